<?php
// mhac site helper, no Moodle bootstrap. On the web: the health check served at
// /mhac-health. On the command line (setup.sh), exit 0 ok, 2 database
// unreachable, 3 failed, 4 partly installed:
//   ensure-user   master JSON {"username","password"} on stdin: the database, the Moodle user, grants
//   state         "empty", "installed VERSION RELEASE" or "partial REASON"
//   install DIR ARGS...  admin password on stdin: DIR/admin/cli/install_database.php ARGS --adminpass=...
const MHAC_DBTYPE = '{{DB_TYPE}}', MHAC_DBNAME = '{{DB_NAME}}', MHAC_PREFIX = '{{DB_PREFIX}}';
class mhac_unreachable extends Exception {}

function mhac_site(): array {
    $mhac = null;
    @include '@CONFIG_DIR@/site.php';
    if (!is_array($mhac)) {
        throw new Exception('@CONFIG_DIR@/site.php is unreadable');
    }
    return $mhac;
}

function mhac_ident(string $s): string {
    if (!preg_match('/^[A-Za-z][A-Za-z0-9_]{0,62}$/', $s)) {
        throw new Exception("bad name '$s'");
    }
    return $s;
}

// Throws unreachable when no server answers (worth retrying), Exception when one refuses.
function mhac_connect(array $m, string $user, string $pass, ?string $db, int $timeout = 3) {
    if (MHAC_DBTYPE === 'pgsql') {
        $q = fn($v) => "'" . addcslashes((string)$v, "'\\") . "'";
        $c = @pg_connect('host=' . $q($m['dbhost']) . ' port=' . (int)$m['dbport'] . ' dbname=' . $q($db ?? 'postgres')
            . ' user=' . $q($user) . ' password=' . $q($pass) . " connect_timeout=$timeout", PGSQL_CONNECT_FORCE_NEW);
        if (!$c) {
            $e = error_get_last()['message'] ?? 'pg_connect failed';
            throw preg_match('/authentication|does not exist|denied|pg_hba/i', $e) ? new Exception($e) : new mhac_unreachable($e);
        }
        return $c;
    }
    mysqli_report(MYSQLI_REPORT_OFF);
    $c = mysqli_init();
    $c->options(MYSQLI_OPT_CONNECT_TIMEOUT, $timeout);
    if (!@$c->real_connect($m['dbhost'], $user, $pass, $db, (int)$m['dbport'])) {
        $n = mysqli_connect_errno();
        $e = "MySQL error $n: " . mysqli_connect_error();
        throw $n >= 2000 && $n < 3000 ? new mhac_unreachable($e) : new Exception($e);
    }
    return $c;
}

function mhac_q($c, string $sql, array $params = []): array { // rows as lists; $1, $2... are parameters
    if (MHAC_DBTYPE === 'pgsql') {
        $r = @pg_query_params($c, $sql, $params);
        if (!$r) {
            throw new Exception(pg_last_error($c));
        }
        return pg_fetch_all($r, PGSQL_NUM) ?: [];
    }
    $s = $c->prepare(preg_replace('/\$\d+/', '?', $sql));
    if (!$s || ($params && !$s->bind_param(str_repeat('s', count($params)), ...$params)) || !$s->execute()) {
        throw new Exception($s ? $s->error : $c->error);
    }
    $r = $s->get_result();
    return $r ? $r->fetch_all(MYSQLI_NUM) : [];
}

function mhac_state($c): array { // seen by the Moodle user: [empty] | [partial, why] | [installed, version, release]
    $tables = array_column(mhac_q($c, MHAC_DBTYPE === 'pgsql'
        ? 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1'
        : 'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE $1',
        [str_replace('_', '\\_', MHAC_PREFIX) . '%']), 0);
    $config = MHAC_PREFIX . 'config';
    if (!$tables) {
        return ['empty'];
    }
    if (!in_array($config, $tables, true)) {
        return ['partial', count($tables) . ' tables named ' . MHAC_PREFIX . "* but no $config"];
    }
    $cfg = array_column(mhac_q($c, "SELECT name, value FROM $config WHERE name IN ('version', 'release', 'rolesactive')"), 1, 0);
    if (empty($cfg['version']) || ($cfg['rolesactive'] ?? '') !== '1') {
        return ['partial', "an install started and did not finish (no version or rolesactive in $config)"];
    }
    return ['installed', $cfg['version'], $cfg['release'] ?? ''];
}

function mhac_redis_ping(array $m): void { // phpredis speaks TLS when given a stream context
    $r = new Redis();
    $args = [$m['redishost'], (int)$m['redisport'], 2.0, null, 0, 2.0];
    if ('{{REDIS_TLS}}' === 'true') {
        $args[] = ['stream' => $m['redistls']];
    }
    if (!$r->connect(...$args) || ($m['redisauth'] !== '' && !$r->auth($m['redisauth'])) || !$r->ping()) {
        throw new Exception('no PONG after connect and AUTH');
    }
}

if (PHP_SAPI !== 'cli') { // the health check: 200 only when everything a request needs works
    header('Content-Type: text/plain');
    header('Cache-Control: no-store');
    $fail = [];
    try {
        $m = mhac_site();
        try {
            $s = mhac_state(mhac_connect($m, $m['dbuser'], $m['dbpass'], MHAC_DBNAME, 2));
            if ($s[0] !== 'installed') {
                $fail[] = "db: site $s[0]";
            }
        } catch (Throwable $e) {
            $fail[] = 'db: ' . $e->getMessage();
        }
        try {
            if ('{{REDIS_SESSIONS}}' === 'true') {
                mhac_redis_ping($m);
            }
        } catch (Throwable $e) {
            $fail[] = 'redis: ' . $e->getMessage();
        }
        $f = $m['dataroot'] . '/mhac/health-' . gethostname() . '-' . getmypid();
        $t = bin2hex(random_bytes(8));
        if (@file_put_contents($f, $t) !== 16 || @file_get_contents($f) !== $t) {
            $fail[] = 'dataroot: no write+read in ' . dirname($f);
        }
        @unlink($f);
    } catch (Throwable $e) {
        $fail[] = $e->getMessage();
    }
    http_response_code($fail ? 503 : 200);
    exit($fail ? 'fail: ' . implode('; ', $fail) . "\n" : "ok\n");
}

if (($argv[1] ?? '') === 'install') {
    chdir($argv[2]);
    $_SERVER['argv'] = $argv = array_merge(['install_database.php'], array_slice($argv, 3),
        ['--adminpass=' . rtrim((string)fgets(STDIN), "\r\n")]);
    $argc = count($argv);
    require getcwd() . '/admin/cli/install_database.php';
    exit(0);
}
try {
    $m = mhac_site();
    if (($argv[1] ?? '') === 'state') {
        $s = mhac_state(mhac_connect($m, $m['dbuser'], $m['dbpass'], MHAC_DBNAME));
        echo implode(' ', $s), "\n";
        exit($s[0] === 'partial' ? 4 : 0);
    }
    if (($argv[1] ?? '') !== 'ensure-user') {
        throw new Exception('usage: mhac.php ensure-user|state|install DIR ARGS...');
    }
    $master = json_decode(stream_get_contents(STDIN), true);
    if (!isset($master['username'], $master['password'])) {
        throw new Exception('the master secret is not JSON with username and password');
    }
    [$db, $user] = [mhac_ident(MHAC_DBNAME), mhac_ident($m['dbuser'])];
    $c = mhac_connect($m, $master['username'], $master['password'], null);
    if (MHAC_DBTYPE === 'pgsql') {
        $pw = pg_escape_literal($c, $m['dbpass']);
        $verb = mhac_q($c, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [$user]) ? 'ALTER' : 'CREATE';
        mhac_q($c, "$verb ROLE \"$user\" WITH LOGIN PASSWORD $pw");
        if (!mhac_q($c, 'SELECT 1 FROM pg_database WHERE datname = $1', [$db])) {
            mhac_q($c, "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0");
        }
        mhac_q($c, "GRANT ALL PRIVILEGES ON DATABASE \"$db\" TO \"$user\"");
        mhac_q(mhac_connect($m, $master['username'], $master['password'], $db), "GRANT ALL ON SCHEMA public TO \"$user\"");
    } else {
        $pw = "'" . $c->real_escape_string($m['dbpass']) . "'";
        mhac_q($c, "CREATE DATABASE IF NOT EXISTS `$db` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
        mhac_q($c, "CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY $pw");
        mhac_q($c, "ALTER USER '$user'@'%' IDENTIFIED BY $pw");
        mhac_q($c, "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, CREATE TEMPORARY TABLES, DROP, INDEX, ALTER ON `$db`.* TO '$user'@'%'");
    }
    echo "database $db and user $user ready\n";
} catch (mhac_unreachable $e) {
    fwrite(STDERR, 'database unreachable: ' . $e->getMessage() . "\n");
    exit(2);
} catch (Throwable $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(3);
}
