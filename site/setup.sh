#!/bin/sh
# mhac site layer: Moodle on this node. Run as root after the machine layer;
# idempotent. Deploy-time values: $MHAC_ENV_FILE. Contract: site/README.md.
set -eu
MOODLE_RELEASE='{{MOODLE_RELEASE}}'
WEB_ROOT_SUBDIR='{{WEB_ROOT_SUBDIR}}'
REDIS_SESSIONS='{{REDIS_SESSIONS}}'
MAX_INPUT_VARS='{{PHP_MAX_INPUT_VARS}}'
ADMIN_USER='{{ADMIN_USER}}'
ADMIN_EMAIL='{{ADMIN_EMAIL}}'
SITE_FULLNAME='{{SITE_FULLNAME}}'
SITE_SHORTNAME='{{SITE_SHORTNAME}}'
MAIL_FROM='{{MAIL_FROM}}'
SMTP_REGION='{{SMTP_REGION}}'

BUNDLE=$(cd "$(dirname "$0")" && pwd)
log() { printf '%s mhac-site[%s]: %s\n' "$(date -u +%T)" "$$" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
ENV_FILE=${MHAC_ENV_FILE:-/etc/mhac/site.env}
[ -r "$ENV_FILE" ] || die "$ENV_FILE is missing"
# shellcheck source=/dev/null
. "$ENV_FILE"
: "${MHAC_CODE_DIR:=/var/www/moodle}" "${MHAC_DATAROOT:=/mnt/moodledata}" "${MHAC_LOCALCACHE_DIR:=/var/cache/moodle}"
: "${MHAC_CONFIG_DIR:=/etc/mhac}" "${MHAC_LOG_DIR:=/var/log/moodle}" "${MHAC_WEB_USER:=nginx}"
: "${MHAC_WEB_GROUP:=$MHAC_WEB_USER}" "${MHAC_NGINX_CONF_DIR:=/etc/nginx/conf.d}" "${MHAC_FPM_POOL_DIR:=/etc/php-fpm.d}"
: "${MHAC_FPM_SOCKET:=/run/php-fpm/moodle.sock}" "${MHAC_PHP_INI_DIR:=/etc/php.d}" "${MHAC_CRON_FILE:=/etc/cron.d/moodle}"
: "${MHAC_PHP:=/usr/bin/php}" "${MHAC_AWS:=aws}" "${MHAC_HTTP_LISTEN:=80}" "${MHAC_DB_WAIT:=600}" "${MHAC_LOCK_WAIT:=3600}"
for p in "$MHAC_CODE_DIR" "$MHAC_DATAROOT" "$MHAC_LOCALCACHE_DIR" "$MHAC_CONFIG_DIR" "$MHAC_LOG_DIR" "$MHAC_PHP" \
    "$MHAC_NGINX_CONF_DIR" "$MHAC_FPM_POOL_DIR" "$MHAC_FPM_SOCKET" "$MHAC_PHP_INI_DIR" "$MHAC_CRON_FILE" "$BUNDLE"; do
    case $p in /*[!A-Za-z0-9._/-]* | [!/]*) die "bad path '$p': absolute, [A-Za-z0-9._/-] only" ;; esac
done
case $MHAC_WEB_USER$MHAC_WEB_GROUP$MHAC_HTTP_LISTEN in *[!A-Za-z0-9._:-]*) die "bad web user or listen" ;; esac
umask 022
cd /

aws_() {
    [ -z "${MHAC_REGION:-}" ] || set -- "$@" --region "$MHAC_REGION"
    [ -z "${AWS_ENDPOINT_URL:-}" ] || set -- "$@" --endpoint-url "$AWS_ENDPOINT_URL"
    "$MHAC_AWS" "$@"
}
# The deployment names its database instance and its session store; the
# RDS-managed master secret and the store's primary endpoint are looked up
# here, once they exist.
if [ -z "${MHAC_DB_MASTER_SECRET_ARN:-}" ] && [ -n "${MHAC_DB_INSTANCE:-}" ]; then
    MHAC_DB_MASTER_SECRET_ARN=$(aws_ rds describe-db-instances --db-instance-identifier "$MHAC_DB_INSTANCE" \
        --query 'DBInstances[0].MasterUserSecret.SecretArn' --output text) || die "cannot describe database $MHAC_DB_INSTANCE"
    case $MHAC_DB_MASTER_SECRET_ARN in arn:*) ;; *) die "database $MHAC_DB_INSTANCE has no managed master secret" ;; esac
fi
if [ "$REDIS_SESSIONS" = true ] && [ -z "${MHAC_REDIS_HOST:-}" ] && [ -n "${MHAC_REDIS_GROUP:-}" ]; then
    endpoint=$(aws_ elasticache describe-replication-groups --replication-group-id "$MHAC_REDIS_GROUP" \
        --query 'ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint.[Address,Port]' --output text) ||
        die "cannot describe replication group $MHAC_REDIS_GROUP"
    MHAC_REDIS_HOST=${endpoint%%[[:space:]]*}
    MHAC_REDIS_PORT=${endpoint##*[[:space:]]}
fi
: "${MHAC_DB_HOST:?}" "${MHAC_DB_PORT:?}" "${MHAC_DB_MASTER_SECRET_ARN:?}" "${MHAC_DB_APP_SECRET_ARN:?}" "${MHAC_ADMIN_SECRET_ARN:?}"
CODE_URL=${MHAC_CODE_URL:?} CODE_SHA256=${MHAC_CODE_SHA256:?}
[ "$REDIS_SESSIONS" != true ] || : "${MHAC_REDIS_HOST:?}" "${MHAC_REDIS_PORT:?}"
[ -z "$MAIL_FROM" ] || : "${MHAC_SMTP_SECRET_ARN:?}"
secret() { # retries while the instance role settles
    n=0
    until aws_ secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text; do
        n=$((n + 1)); [ $n -lt 6 ] || die "cannot read secret $1"; sleep 5
    done
}
# shellcheck disable=SC2016
field() { "$MHAC_PHP" -r '$v = json_decode(stream_get_contents(STDIN), true)[$argv[1]] ?? 0; is_string($v) && $v !== "" || exit(1); echo $v;' "$1"; }
# Amazon SES's SMTP password (version 4) for an IAM secret access key (on standard
# input) in a region: HMAC-SHA256 over "11111111", the region, "ses", "aws4_request",
# "SendRawEmail" from the key "AWS4" + secret, then base64 of 0x04 and the signature.
# shellcheck disable=SC2016
smtp_password() { "$MHAC_PHP" -r '$k = "AWS4" . stream_get_contents(STDIN); foreach (["11111111", $argv[1], "ses", "aws4_request", "SendRawEmail"] as $m) { $k = hash_hmac("sha256", $m, $k, true); } echo base64_encode("\x04" . $k);' "$1"; }
phpstr() { printf "base64_decode('%s')" "$(printf '%s' "$1" | base64 | tr -d '\n')"; }
render() { # TEMPLATE DEST MODE OWNER: this node's paths in, DEST replaced atomically
    t=$(mktemp "$(dirname "$2")/.mhac.XXXXXX")
    sed -e "s|@CODE_DIR@|$MHAC_CODE_DIR|g; s|@WEB_ROOT@|$MHAC_CODE_DIR$WEB_ROOT_SUBDIR|g; s|@CONFIG_DIR@|$MHAC_CONFIG_DIR|g" \
        -e "s|@FPM_SOCKET@|$MHAC_FPM_SOCKET|g; s|@WEB_USER@|$MHAC_WEB_USER|g; s|@WEB_GROUP@|$MHAC_WEB_GROUP|g" \
        -e "s|@HTTP_LISTEN@|$MHAC_HTTP_LISTEN|g; s|@LOG_DIR@|$MHAC_LOG_DIR|g; s|@FPM_MAX_CHILDREN@|$children|g" "$1" >"$t"
    chmod "$3" "$t"; chown "$4" "$t"; mv -f "$t" "$2"
}
as_web() { runuser -u "$MHAC_WEB_USER" -- "$MHAC_PHP" -d max_input_vars="$MAX_INPUT_VARS" "$@"; }
tool() { "$MHAC_PHP" "$MHAC_CONFIG_DIR/mhac.php" "$@"; }

install_code() {
    want="$CODE_URL $CODE_SHA256"
    if [ "$(cat "$MHAC_CODE_DIR/.mhac-code" 2>/dev/null)" = "$want" ]; then log "code: $CODE_URL already here"; return; fi
    new=$MHAC_CODE_DIR.new
    rm -rf "$new"; mkdir -p "$new"
    if [ -d "$CODE_URL" ]; then # a local tree, for tests
        [ "$CODE_SHA256" = none ] || die "a directory takes sha256 none"
        cp -R "$CODE_URL/." "$new/"; rm -f "$new/config.php"
    else
        a=$(mktemp /var/tmp/mhac-code.XXXXXX)
        case $CODE_URL in
            s3://*) aws_ s3 cp --only-show-errors "$CODE_URL" "$a" ;;
            https://*) curl -fsSL --retry 5 -o "$a" "$CODE_URL" ;;
            /*) cp "$CODE_URL" "$a" ;;
            *) false ;;
        esac || die "cannot fetch $CODE_URL"
        sum=$(sha256sum "$a" | cut -d' ' -f1)
        [ "$sum" = "$CODE_SHA256" ] || die "sha256 of $CODE_URL is $sum, not $CODE_SHA256"
        tar -xf "$a" -C "$new" || die "cannot unpack $CODE_URL"
        rm -f "$a"
        if [ ! -f "$new$WEB_ROOT_SUBDIR/version.php" ]; then
            set -- "$new"/* # one top directory (moodle/)
            [ $# = 1 ] && mv "$1" "$new.top" && rm -rf "$new" && mv "$new.top" "$new"
        fi
    fi
    b=$(sed -n "s/^\$branch *= *'\([0-9]*\)'.*/\1/p" "$new$WEB_ROOT_SUBDIR/version.php" 2>/dev/null) || true
    [ "$b" = "$(printf '%d%02d' "${MOODLE_RELEASE%.*}" "${MOODLE_RELEASE#*.}")" ] ||
        die "$CODE_URL is branch '$b', not Moodle $MOODLE_RELEASE with web root '$WEB_ROOT_SUBDIR'"
    chown -R root:root "$new"; chmod -R u=rwX,go=rX "$new" # read-only for the web user
    echo "$want" >"$new/.mhac-code"
    rm -rf "$MHAC_CODE_DIR.old"
    [ ! -d "$MHAC_CODE_DIR" ] || mv "$MHAC_CODE_DIR" "$MHAC_CODE_DIR.old"
    mv "$new" "$MHAC_CODE_DIR"; rm -rf "$MHAC_CODE_DIR.old"
    log "code: Moodle branch $b from $CODE_URL"
}

log "Moodle $MOODLE_RELEASE, values from $ENV_FILE"
master=$(secret "$MHAC_DB_MASTER_SECRET_ARN")
app=$(secret "$MHAC_DB_APP_SECRET_ARN")
if ! db_user=$(printf '%s' "$app" | field username) || ! db_pass=$(printf '%s' "$app" | field password); then
    die "the Moodle database secret must be JSON with username and password"
fi
admin_pass=$(secret "$MHAC_ADMIN_SECRET_ARN")
redis_auth=
[ "$REDIS_SESSIONS" != true ] || [ -z "${MHAC_REDIS_AUTH_SECRET_ARN:-}" ] || redis_auth=$(secret "$MHAC_REDIS_AUTH_SECRET_ARN")
smtp_user='' smtp_pass=''
if [ -n "$MAIL_FROM" ]; then # outbound mail through Amazon SES's SMTP interface
    smtp=$(secret "$MHAC_SMTP_SECRET_ARN")
    if ! smtp_user=$(printf '%s' "$smtp" | field AccessKeyId) || ! smtp_key=$(printf '%s' "$smtp" | field SecretAccessKey); then
        die "the SMTP secret must be JSON with AccessKeyId and SecretAccessKey"
    fi
    smtp_pass=$(printf '%s' "$smtp_key" | smtp_password "$SMTP_REGION") || smtp_pass=''
    [ -n "$smtp_pass" ] || die "cannot derive the SES SMTP password"
    unset smtp smtp_key
    log "mail: SES SMTP in $SMTP_REGION, from $MAIL_FROM"
fi
install_code

children=${MHAC_FPM_MAX_CHILDREN:-$(awk '/^MemTotal:/ { n = int(($2 / 1024 - 768) / 96); print (n < 4 ? 4 : n > 64 ? 64 : n) }' /proc/meminfo)}
for d in "$MHAC_CONFIG_DIR" "$MHAC_LOCALCACHE_DIR" "$MHAC_LOG_DIR" "$MHAC_DATAROOT/mhac" "$MHAC_NGINX_CONF_DIR" \
    "$MHAC_FPM_POOL_DIR" "$MHAC_PHP_INI_DIR" "$MHAC_FPM_SOCKET" "$MHAC_CRON_FILE"; do
    case $d in "$MHAC_FPM_SOCKET" | "$MHAC_CRON_FILE") d=$(dirname "$d") ;; esac
    mkdir -p "$d"
done
chown root:"$MHAC_WEB_GROUP" "$MHAC_CONFIG_DIR"; chmod 750 "$MHAC_CONFIG_DIR"
chown "$MHAC_WEB_USER:$MHAC_WEB_GROUP" "$MHAC_LOCALCACHE_DIR" "$MHAC_LOG_DIR" "$MHAC_DATAROOT" "$MHAC_DATAROOT/mhac"
chmod 2770 "$MHAC_DATAROOT" "$MHAC_DATAROOT/mhac"
( # deploy-time values and secrets, readable by root and the web user only
    umask 077
    t=$(mktemp "$MHAC_CONFIG_DIR/.site.XXXXXX")
    printf "<?php // written by mhac setup.sh\n\$mhac = ['dbhost' => %s, 'dbport' => %d, 'dbuser' => %s, 'dbpass' => %s,
    'dataroot' => '%s', 'localcachedir' => '%s', 'redishost' => %s, 'redisport' => %d, 'redisauth' => %s,
    'redistls' => ['verify_peer' => true, 'verify_peer_name' => true%s], 'smtpuser' => %s, 'smtppass' => %s];\n" \
        "$(phpstr "$MHAC_DB_HOST")" "$MHAC_DB_PORT" "$(phpstr "$db_user")" "$(phpstr "$db_pass")" \
        "$MHAC_DATAROOT" "$MHAC_LOCALCACHE_DIR" "$(phpstr "${MHAC_REDIS_HOST:-}")" "${MHAC_REDIS_PORT:-6379}" \
        "$(phpstr "$redis_auth")" "${MHAC_REDIS_CAFILE:+, 'cafile' => $(phpstr "$MHAC_REDIS_CAFILE")}" \
        "$(phpstr "$smtp_user")" "$(phpstr "$smtp_pass")" >"$t"
    chown root:"$MHAC_WEB_GROUP" "$t"; chmod 640 "$t"; mv -f "$t" "$MHAC_CONFIG_DIR/site.php"
)
render "$BUNDLE/mhac.php" "$MHAC_CONFIG_DIR/mhac.php" 640 "root:$MHAC_WEB_GROUP"
render "$BUNDLE/config.php" "$MHAC_CODE_DIR/config.php" 640 "root:$MHAC_WEB_GROUP"
render "$BUNDLE/php.ini" "$MHAC_PHP_INI_DIR/90-moodle.ini" 644 root:root
render "$BUNDLE/php-fpm.conf" "$MHAC_FPM_POOL_DIR/moodle.conf" 644 root:root
render "$BUNDLE/nginx.conf" "$MHAC_NGINX_CONF_DIR/moodle.conf" 644 root:root

# Install exactly once: every node takes the lock in the shared dataroot.
exec 9>>"$MHAC_DATAROOT/mhac/install.lock"
log "waiting for the install lock"
flock -w "$MHAC_LOCK_WAIT" 9 || die "no install lock after ${MHAC_LOCK_WAIT}s"
log "install lock held"
end=$(($(date +%s) + MHAC_DB_WAIT))
until out=$(printf '%s' "$master" | tool ensure-user 2>&1); do
    [ $? = 2 ] || die "database user: $out"
    [ "$(date +%s)" -lt "$end" ] || die "database unreachable for ${MHAC_DB_WAIT}s: $out"
    log "retrying in 10s: $out"; sleep 10
done
log "$out"
rc=0; state=$(tool state 2>&1) || rc=$?
[ $rc != 4 ] || die "the database holds a partly installed site ($state): refusing to install over it; restore a backup or empty it"
[ $rc = 0 ] || die "database state: $state"
case $state in
    empty)
        log "INSTALL: empty database, installing Moodle $MOODLE_RELEASE (log: $MHAC_LOG_DIR/install.log)"
        s=$(date +%s)
        printf '%s\n' "$admin_pass" | as_web "$MHAC_CONFIG_DIR/mhac.php" install "$MHAC_CODE_DIR" --agree-license \
            --adminuser="$ADMIN_USER" --adminemail="$ADMIN_EMAIL" --fullname="$SITE_FULLNAME" \
            --shortname="$SITE_SHORTNAME" >"$MHAC_LOG_DIR/install.log" 2>&1 ||
            { tail -n 20 "$MHAC_LOG_DIR/install.log" >&2; die "install_database.php failed"; }
        log "INSTALLED: Moodle installed in $(($(date +%s) - s))s"
        ;;
    installed*)
        rc=0; as_web "$MHAC_CODE_DIR/admin/cli/upgrade.php" --is-pending >/dev/null 2>&1 || rc=$?
        [ $rc = 0 ] || [ $rc = 2 ] || die "upgrade.php --is-pending: exit $rc (code older than the database?)"
        if [ $rc = 0 ]; then
            log "site already installed (${state#installed }), code current: nothing to do"
        else
            log "UPGRADE: site at ${state#installed }, upgrading to this node's code"
            { as_web "$MHAC_CODE_DIR/admin/cli/upgrade.php" --non-interactive &&
                as_web "$MHAC_CODE_DIR/admin/cli/purge_caches.php"; } >"$MHAC_LOG_DIR/upgrade.log" 2>&1 ||
                { tail -n 20 "$MHAC_LOG_DIR/upgrade.log" >&2; die "upgrade failed"; }
            log "UPGRADED"
        fi
        ;;
    *) die "unexpected database state: $state" ;;
esac
exec 9>&-
t=$(mktemp "$(dirname "$MHAC_CRON_FILE")/.mhac.XXXXXX")
echo "* * * * * $MHAC_WEB_USER $MHAC_PHP $MHAC_CODE_DIR/admin/cli/cron.php --keep-alive=0 >>$MHAC_LOG_DIR/cron.log 2>&1" >"$t"
chmod 644 "$t"; mv -f "$t" "$MHAC_CRON_FILE"
log "done: web root $MHAC_CODE_DIR$WEB_ROOT_SUBDIR, dataroot $MHAC_DATAROOT"
