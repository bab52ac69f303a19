<?php
// mhac site layer, CLI helper of setup.sh. Exit 0 ok, 2 database unreachable
// (retry), 3 refused or failed, 4 partly installed.
//   dbtool.php ensure-user   master JSON {"username","password"} on stdin: create the
//                            database if missing, create/update the Moodle user, grant.
//   dbtool.php state         print "empty", "installed VERSION RELEASE" or (exit 4) "partial REASON"
//   dbtool.php install CODE_DIR ARGS...  admin password on stdin; runs Moodle's
//                            admin/cli/install_database.php with ARGS and --adminpass
//                            (keeps the password out of the process list).
if (PHP_SAPI !== 'cli') {
    exit(1);
}
if (($argv[1] ?? '') === 'install') {
    chdir($argv[2]);
    $_SERVER['argv'] = $argv = array_merge(['install_database.php'], array_slice($argv, 3),
        ['--adminpass=' . rtrim((string)fgets(STDIN), "\r\n")]);
    $argc = count($argv);
    require getcwd() . '/admin/cli/install_database.php';
    exit(0);
}
require __DIR__ . '/lib.php';

function fail(int $code, string $msg) {
    fwrite(STDERR, "dbtool: $msg\n");
    exit($code);
}

try {
    $m = mhac_site();
    switch ($argv[1] ?? '') {
        case 'ensure-user':
            $master = json_decode(stream_get_contents(STDIN), true);
            if (!isset($master['username'], $master['password'])) {
                fail(3, 'master secret is not JSON with username and password');
            }
            $db = mhac_ident(MHAC_DB_NAME);
            $user = mhac_ident($m['dbuser']);
            $c = mhac_connect($m, $master['username'], $master['password'], null);
            if (MHAC_DB_TYPE === 'pgsql') {
                $pw = pg_escape_literal($c, $m['dbpass']);
                $verb = mhac_q($c, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [$user]) ? 'ALTER' : 'CREATE';
                mhac_q($c, "$verb ROLE \"$user\" WITH LOGIN PASSWORD $pw");
                if (!mhac_q($c, 'SELECT 1 FROM pg_database WHERE datname = $1', [$db])) {
                    mhac_q($c, "CREATE DATABASE \"$db\" ENCODING 'UTF8' TEMPLATE template0");
                }
                mhac_q($c, "GRANT ALL PRIVILEGES ON DATABASE \"$db\" TO \"$user\"");
                $c = mhac_connect($m, $master['username'], $master['password'], $db);
                mhac_q($c, "GRANT ALL ON SCHEMA public TO \"$user\"");
            } else {
                $pw = "'" . $c->real_escape_string($m['dbpass']) . "'";
                mhac_q($c, "CREATE DATABASE IF NOT EXISTS `$db` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
                mhac_q($c, "CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY $pw");
                mhac_q($c, "ALTER USER '$user'@'%' IDENTIFIED BY $pw");
                mhac_q($c, "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, CREATE TEMPORARY TABLES, DROP, INDEX, ALTER ON `$db`.* TO '$user'@'%'");
            }
            echo "database $db and user $user ready\n";
            break;
        case 'state':
            $s = mhac_state(mhac_connect($m, $m['dbuser'], $m['dbpass'], MHAC_DB_NAME));
            echo implode(' ', $s), "\n";
            exit($s[0] === 'partial' ? 4 : 0);
        default:
            fail(3, 'usage: dbtool.php ensure-user|state|install CODE_DIR ARGS...');
    }
} catch (mhac_unreachable $e) {
    fail(2, 'database unreachable: ' . $e->getMessage());
} catch (Throwable $e) {
    fail(3, $e->getMessage());
}
