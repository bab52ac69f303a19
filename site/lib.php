<?php
// mhac site layer: database and Redis access shared by dbtool.php (CLI) and
// health.php (web). Plain mysqli/pgsql/phpredis, no Moodle bootstrap.
// $mhac comes from @CONFIG_DIR@/site.php, written by setup.sh at boot.

const MHAC_DB_TYPE = '{{DB_TYPE}}';
const MHAC_DB_NAME = '{{DB_NAME}}';
const MHAC_DB_PREFIX = '{{DB_PREFIX}}';
const MHAC_REDIS = '{{REDIS_SESSIONS}}' === 'true';
const MHAC_REDIS_TLS = '{{REDIS_TLS}}' === 'true';

class mhac_unreachable extends Exception {}

function mhac_site(): array {
    $mhac = null;
    if (!is_readable('@CONFIG_DIR@/site.php') || !(include '@CONFIG_DIR@/site.php') || !is_array($mhac)) {
        throw new Exception('@CONFIG_DIR@/site.php is missing or unreadable');
    }
    return $mhac;
}

function mhac_ident(string $s): string {
    if (!preg_match('/^[A-Za-z][A-Za-z0-9_]{0,62}$/', $s)) {
        throw new Exception("invalid identifier '$s'");
    }
    return $s;
}

// Connects; throws mhac_unreachable when the server cannot be reached (worth
// retrying) and Exception when it answers with an error (bad credentials).
function mhac_connect(array $m, string $user, string $pass, ?string $db, int $timeout = 3) {
    if (MHAC_DB_TYPE === 'pgsql') {
        $q = fn($v) => "'" . addcslashes((string)$v, "'\\") . "'";
        $dsn = 'host=' . $q($m['dbhost']) . ' port=' . (int)$m['dbport'] . ' dbname=' . $q($db ?? 'postgres')
            . ' user=' . $q($user) . ' password=' . $q($pass) . " connect_timeout=$timeout";
        $c = @pg_connect($dsn, PGSQL_CONNECT_FORCE_NEW);
        if ($c === false) {
            $e = error_get_last()['message'] ?? 'pg_connect failed';
            $down = !preg_match('/authentication failed|does not exist|permission denied|no pg_hba/i', $e);
            throw $down ? new mhac_unreachable($e) : new Exception($e);
        }
        return $c;
    }
    mysqli_report(MYSQLI_REPORT_OFF);
    $c = mysqli_init();
    $c->options(MYSQLI_OPT_CONNECT_TIMEOUT, $timeout);
    if (!@$c->real_connect($m['dbhost'], $user, $pass, $db, (int)$m['dbport'])) {
        $n = mysqli_connect_errno();
        $e = "MySQL error $n: " . mysqli_connect_error();
        throw ($n >= 2000 && $n < 3000) ? new mhac_unreachable($e) : new Exception($e);
    }
    $c->set_charset('utf8mb4');
    return $c;
}

// Runs one statement with optional parameters; returns the rows (lists).
function mhac_q($c, string $sql, array $params = []): array {
    if (MHAC_DB_TYPE === 'pgsql') {
        $r = @pg_query_params($c, $sql, $params);
        if ($r === false) {
            throw new Exception(pg_last_error($c));
        }
        return pg_fetch_all($r, PGSQL_NUM) ?: [];
    }
    $s = $c->prepare(preg_replace('/\$\d+/', '?', $sql));
    if ($s && $params) {
        $s->bind_param(str_repeat('s', count($params)), ...$params);
    }
    if (!$s || !$s->execute()) {
        throw new Exception($s ? $s->error : $c->error);
    }
    $r = $s->get_result();
    return $r ? $r->fetch_all(MYSQLI_NUM) : [];
}

// The site's state in the database, seen with the Moodle user:
// ['empty'] | ['partial', reason] | ['installed', version, release].
function mhac_state($c): array {
    $like = str_replace('_', '\\_', MHAC_DB_PREFIX) . '%';
    $sql = MHAC_DB_TYPE === 'pgsql'
        ? "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE $1"
        : "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE $1";
    $tables = array_column(mhac_q($c, $sql, [$like]), 0);
    if (!$tables) {
        return ['empty'];
    }
    $config = MHAC_DB_PREFIX . 'config';
    if (!in_array($config, $tables, true)) {
        return ['partial', count($tables) . " tables with prefix " . MHAC_DB_PREFIX . " but no $config"];
    }
    $cfg = [];
    foreach (mhac_q($c, "SELECT name, value FROM $config WHERE name IN ('version', 'release', 'rolesactive')") as $row) {
        $cfg[$row[0]] = $row[1];
    }
    if (empty($cfg['version']) || ($cfg['rolesactive'] ?? '') !== '1') {
        return ['partial', 'an installation started but did not finish (no version or rolesactive in ' . $config . ')'];
    }
    return ['installed', $cfg['version'], $cfg['release'] ?? ''];
}

function mhac_redis_ping(array $m): void {
    $r = new Redis();
    $ctx = MHAC_REDIS_TLS ? ['stream' => $m['redistls']] : null;
    // phpredis uses TLS when given a 'stream' context, as Moodle's session handler relies on.
    $ok = $ctx ? $r->connect($m['redishost'], (int)$m['redisport'], 2.0, null, 0, 2.0, $ctx)
               : $r->connect($m['redishost'], (int)$m['redisport'], 2.0, null, 0, 2.0);
    if (!$ok || ($m['redisauth'] !== '' && !$r->auth($m['redisauth']))) {
        throw new Exception('connect/AUTH failed');
    }
    $pong = $r->ping();
    if ($pong !== true && $pong !== '+PONG' && $pong !== 'PONG') {
        throw new Exception('PING did not answer PONG');
    }
}
