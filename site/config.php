<?php  // Moodle configuration written by mhac (site/config.php); rewritten at every boot.
unset($CFG);
global $CFG;
$CFG = new stdClass();

$mhac = null;
require '@CONFIG_DIR@/site.php';  // $mhac: deploy-time values and secrets (root:web user, 0640)

$CFG->dbtype    = '{{DB_TYPE}}';
$CFG->dblibrary = 'native';
$CFG->dbhost    = $mhac['dbhost'];
$CFG->dbname    = '{{DB_NAME}}';
$CFG->dbuser    = $mhac['dbuser'];  // the dedicated Moodle user, never the RDS master
$CFG->dbpass    = $mhac['dbpass'];
$CFG->prefix    = '{{DB_PREFIX}}';
$CFG->dboptions = ['dbpersist' => false, 'dbsocket' => false, 'dbport' => (int)$mhac['dbport']];
if ($CFG->dbtype !== 'pgsql') {
    $CFG->dboptions['dbcollation'] = 'utf8mb4_unicode_ci';
}

$CFG->wwwroot = '{{WWWROOT}}';
if (str_starts_with($CFG->wwwroot, 'https://')) {
    $CFG->sslproxy = true;  // TLS ends at the load balancer (not reverseproxy)
}
$CFG->getremoteaddrconf = 1;  // client address from X-Forwarded-For (the load balancer's last hop)
$CFG->admin = 'admin';
$CFG->routerconfigured = true;  // the web server sends unknown paths to r.php

$CFG->dataroot      = $mhac['dataroot'];            // shared by every node (EFS)
$CFG->tempdir       = $mhac['dataroot'] . '/temp';   // shared
$CFG->cachedir      = $mhac['dataroot'] . '/cache';  // shared, needs locking
$CFG->localcachedir = $mhac['localcachedir'];        // this node's local disk
$CFG->directorypermissions = 02770;

$CFG->lock_factory = '\core\lock\db_record_lock_factory';  // locks every node sees
$CFG->preventexecpath = true;          // no executable paths set from the web
$CFG->disableupdateautodeploy = true;  // code is identical and read-only on every node

if ('{{REDIS_SESSIONS}}' === 'true') {
    $CFG->session_handler_class = '\core\session\redis';
    $CFG->session_redis_host = $mhac['redishost'];
    $CFG->session_redis_port = (int)$mhac['redisport'];
    $CFG->session_redis_auth = $mhac['redisauth'];
    $CFG->session_redis_prefix = 'mdlsess_';
    $CFG->session_redis_acquire_lock_timeout = 120;
    $CFG->session_redis_lock_expire = 7200;
    if ('{{REDIS_TLS}}' === 'true') {
        $CFG->session_redis_encrypt = $mhac['redistls'];  // TLS; never a tls:// host prefix
    }
}
if ('{{MAIL_FROM}}' !== '') {  // outbound mail through Amazon SES's SMTP interface
    $CFG->smtphosts = '{{SMTP_HOST}}';
    $CFG->smtpsecure = 'tls';          // STARTTLS (port 587)
    $CFG->smtpauthtype = 'LOGIN';
    $CFG->smtpuser = $mhac['smtpuser'];  // the sending IAM user's access key id
    $CFG->smtppass = $mhac['smtppass'];  // its SES SMTP password, derived by setup.sh
    $CFG->noreplyaddress = '{{MAIL_FROM}}';
    $CFG->allowedemaildomains = '';    // every mail is From the no-reply address: SES sends only from the verified domain
}
unset($mhac);

require_once(__DIR__ . '/lib/setup.php');
