<?php
// mhac health check, served at /mhac-health on every Host (no Moodle bootstrap,
// so no redirect to wwwroot). 200 "ok" only when PHP runs, the database answers
// and holds an installed site, Redis answers PING after AUTH (over TLS when
// configured) and a write+read in the shared dataroot succeeds; else 503 + reasons.
header('Content-Type: text/plain; charset=utf-8');
header('Cache-Control: no-store');
$fail = [];
try {
    require __DIR__ . '/lib.php';
    $m = mhac_site();
    try {
        $s = mhac_state(mhac_connect($m, $m['dbuser'], $m['dbpass'], MHAC_DB_NAME, 2));
        if ($s[0] !== 'installed') {
            $fail[] = "db: site $s[0]";
        }
    } catch (Throwable $e) {
        $fail[] = 'db: ' . $e->getMessage();
    }
    if (MHAC_REDIS) {
        try {
            mhac_redis_ping($m);
        } catch (Throwable $e) {
            $fail[] = 'redis: ' . $e->getMessage();
        }
    }
    $dir = $m['dataroot'] . '/mhac';
    $file = $dir . '/health-' . gethostname() . '-' . getmypid();
    $token = bin2hex(random_bytes(8));
    if (!is_dir($dir) || @file_put_contents($file, $token) !== 16 || @file_get_contents($file) !== $token) {
        $fail[] = 'dataroot: write+read failed in ' . $dir;
    }
    @unlink($file);
} catch (Throwable $e) {
    $fail[] = 'config: ' . $e->getMessage();
}
http_response_code($fail ? 503 : 200);
echo $fail ? 'fail: ' . implode('; ', $fail) . "\n" : "ok\n";
