#!/bin/sh
# mhac site layer: install and configure Moodle on this node. POSIX sh, run as
# root after the machine layer; idempotent. Templates sit next to this file;
# deploy-time values come from $MHAC_ENV_FILE (default /etc/mhac/site.env).
# Contract: site/README.md.
set -eu

MOODLE_RELEASE='{{MOODLE_RELEASE}}'
WEB_ROOT_SUBDIR='{{WEB_ROOT_SUBDIR}}'
CODE_URL='{{CODE_URL}}'
CODE_SHA256='{{CODE_SHA256}}'
REDIS_SESSIONS='{{REDIS_SESSIONS}}'
MAX_INPUT_VARS='{{PHP_MAX_INPUT_VARS}}'
ADMIN_USER='{{ADMIN_USER}}'
ADMIN_EMAIL='{{ADMIN_EMAIL}}'
SITE_FULLNAME='{{SITE_FULLNAME}}'
SITE_SHORTNAME='{{SITE_SHORTNAME}}'

BUNDLE=$(cd "$(dirname "$0")" && pwd)
log() { printf '%s mhac-site[%s]: %s\n' "$(date -u +%H:%M:%S)" "$$" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ENV_FILE=${MHAC_ENV_FILE:-/etc/mhac/site.env}
[ -r "$ENV_FILE" ] || die "$ENV_FILE (deploy-time values) is missing"
# shellcheck source=/dev/null
. "$ENV_FILE"
: "${MHAC_CODE_DIR:=/var/www/moodle}" "${MHAC_DATAROOT:=/mnt/moodledata}"
: "${MHAC_LOCALCACHE_DIR:=/var/cache/moodle}" "${MHAC_CONFIG_DIR:=/etc/mhac}"
: "${MHAC_LOG_DIR:=/var/log/moodle}" "${MHAC_WEB_USER:=nginx}" "${MHAC_WEB_GROUP:=$MHAC_WEB_USER}"
: "${MHAC_NGINX_CONF_DIR:=/etc/nginx/conf.d}" "${MHAC_FPM_POOL_DIR:=/etc/php-fpm.d}"
: "${MHAC_FPM_SOCKET:=/run/php-fpm/moodle.sock}" "${MHAC_PHP_INI_DIR:=/etc/php.d}"
: "${MHAC_CRON_FILE:=/etc/cron.d/moodle}" "${MHAC_PHP:=/usr/bin/php}" "${MHAC_AWS:=aws}"
: "${MHAC_HTTP_LISTEN:=80}" "${MHAC_DB_WAIT:=600}" "${MHAC_LOCK_WAIT:=3600}"
: "${MHAC_DB_HOST:?}" "${MHAC_DB_PORT:?}" "${MHAC_DB_MASTER_SECRET_ARN:?}"
: "${MHAC_DB_APP_SECRET_ARN:?}" "${MHAC_ADMIN_SECRET_ARN:?}"
for p in "$MHAC_CODE_DIR" "$MHAC_DATAROOT" "$MHAC_LOCALCACHE_DIR" "$MHAC_CONFIG_DIR" "$MHAC_LOG_DIR" \
    "$MHAC_NGINX_CONF_DIR" "$MHAC_FPM_POOL_DIR" "$MHAC_FPM_SOCKET" "$MHAC_PHP_INI_DIR" "$MHAC_CRON_FILE" \
    "$MHAC_PHP" "$BUNDLE"; do
    case $p in /*[!A-Za-z0-9._/-]* | [!/]*) die "unusable path '$p' (absolute, [A-Za-z0-9._/-] only)" ;; esac
done
case $MHAC_WEB_USER$MHAC_WEB_GROUP$MHAC_HTTP_LISTEN in *[!A-Za-z0-9._:-]*) die "bad web user/group/listen" ;; esac
if [ "$REDIS_SESSIONS" = true ]; then : "${MHAC_REDIS_HOST:?}" "${MHAC_REDIS_PORT:?}"; fi
umask 022
cd /

aws_() {
    [ -z "${MHAC_REGION:-}" ] || set -- "$@" --region "$MHAC_REGION"
    [ -z "${AWS_ENDPOINT_URL:-}" ] || set -- "$@" --endpoint-url "$AWS_ENDPOINT_URL"
    "$MHAC_AWS" "$@"
}
secret() { # ARN: prints the SecretString (retries while the instance role settles)
    n=0
    until aws_ secretsmanager get-secret-value --secret-id "$1" --query SecretString --output text; do
        n=$((n + 1)); [ $n -lt 6 ] || die "cannot read secret $1"; sleep 5
    done
}
json_field() { # FIELD, JSON on stdin
    # shellcheck disable=SC2016
    "$MHAC_PHP" -r '$j = json_decode(stream_get_contents(STDIN), true); $v = $j[$argv[1]] ?? null;
        if (!is_string($v) || $v === "") { exit(1); } echo $v;' "$1"
}
phpstr() { printf "base64_decode('%s')" "$(printf '%s' "$1" | base64 | tr -d '\n')"; }
render() { # TEMPLATE DEST MODE OWNER: fill in this node's paths, replace DEST atomically
    t=$(mktemp "$(dirname "$2")/.mhac.XXXXXX")
    sed -e "s|@CODE_DIR@|$MHAC_CODE_DIR|g" -e "s|@WEB_ROOT@|$MHAC_CODE_DIR$WEB_ROOT_SUBDIR|g" \
        -e "s|@CONFIG_DIR@|$MHAC_CONFIG_DIR|g" -e "s|@FPM_SOCKET@|$MHAC_FPM_SOCKET|g" \
        -e "s|@WEB_USER@|$MHAC_WEB_USER|g" -e "s|@WEB_GROUP@|$MHAC_WEB_GROUP|g" \
        -e "s|@HTTP_LISTEN@|$MHAC_HTTP_LISTEN|g" -e "s|@LOG_DIR@|$MHAC_LOG_DIR|g" \
        -e "s|@PHP@|$MHAC_PHP|g" -e "s|@FPM_MAX_CHILDREN@|$fpm_children|g" "$1" >"$t"
    chmod "$3" "$t"; chown "$4" "$t"; mv -f "$t" "$2"
}
as_web() { runuser -u "$MHAC_WEB_USER" -- "$@"; }
dbtool() { "$MHAC_PHP" "$MHAC_CONFIG_DIR/dbtool.php" "$@"; }

install_code() {
    want="$CODE_URL $CODE_SHA256"
    if [ "$(cat "$MHAC_CODE_DIR/.mhac-code" 2>/dev/null)" = "$want" ]; then
        log "code: $CODE_URL already in $MHAC_CODE_DIR"; return 0
    fi
    new=$MHAC_CODE_DIR.new; rm -rf "$new"; mkdir -p "$new"
    if [ -d "$CODE_URL" ]; then  # a local tree: only for tests
        [ "$CODE_SHA256" = none ] || die "a directory code source takes sha256 'none'"
        cp -R "$CODE_URL/." "$new/"; rm -f "$new/config.php"
    else
        archive=$(mktemp /var/tmp/mhac-moodle.XXXXXX)
        case $CODE_URL in
            s3://*) aws_ s3 cp --only-show-errors "$CODE_URL" "$archive" ;;
            https://*) curl -fsSL --retry 5 -o "$archive" "$CODE_URL" ;;
            /*) cp "$CODE_URL" "$archive" ;;
            *) die "unsupported code source $CODE_URL" ;;
        esac || die "cannot fetch $CODE_URL"
        sum=$(sha256sum "$archive" | cut -d' ' -f1)
        [ "$sum" = "$CODE_SHA256" ] || { rm -f "$archive"; die "sha256 of $CODE_URL is $sum, expected $CODE_SHA256"; }
        tar -xf "$archive" -C "$new" || die "cannot unpack $CODE_URL"
        rm -f "$archive"
        if [ ! -f "$new/version.php" ] && [ ! -f "$new/public/version.php" ]; then
            set -- "$new"/*  # the archive's one top directory (moodle/)
            if [ $# -ne 1 ] || [ ! -d "$1" ]; then die "$CODE_URL holds no Moodle tree"; fi
            mv "$1" "$new.top" && rm -rf "$new" && mv "$new.top" "$new"
        fi
    fi
    branch=$(sed -n "s/^\$branch *= *'\([0-9]*\)'.*/\1/p" "$new$WEB_ROOT_SUBDIR/version.php" 2>/dev/null || true)
    [ "$branch" = "$(printf '%d%02d' "${MOODLE_RELEASE%%.*}" "${MOODLE_RELEASE#*.}")" ] ||
        die "code at $CODE_URL is branch '$branch', not Moodle $MOODLE_RELEASE (web root '$WEB_ROOT_SUBDIR')"
    chown -R root:root "$new"; chmod -R u=rwX,go=rX "$new"  # read-only for the web user
    printf '%s\n' "$want" >"$new/.mhac-code"
    rm -rf "$MHAC_CODE_DIR.old"
    [ ! -d "$MHAC_CODE_DIR" ] || mv "$MHAC_CODE_DIR" "$MHAC_CODE_DIR.old"
    mv "$new" "$MHAC_CODE_DIR"; rm -rf "$MHAC_CODE_DIR.old"
    log "code: installed Moodle branch $branch from $CODE_URL"
}

log "Moodle $MOODLE_RELEASE site setup; deploy-time values from $ENV_FILE"
db_master=$(secret "$MHAC_DB_MASTER_SECRET_ARN")
db_app=$(secret "$MHAC_DB_APP_SECRET_ARN")
db_user=$(printf '%s' "$db_app" | json_field username) || die "the Moodle DB secret needs JSON username+password"
db_pass=$(printf '%s' "$db_app" | json_field password) || die "the Moodle DB secret needs JSON username+password"
admin_pass=$(secret "$MHAC_ADMIN_SECRET_ARN")
redis_auth=
if [ "$REDIS_SESSIONS" = true ] && [ -n "${MHAC_REDIS_AUTH_SECRET_ARN:-}" ]; then
    redis_auth=$(secret "$MHAC_REDIS_AUTH_SECRET_ARN")
fi

install_code

fpm_children=${MHAC_FPM_MAX_CHILDREN:-$(awk '/^MemTotal:/ { n = int(($2 / 1024 - 768) / 96);
    print (n < 4 ? 4 : (n > 64 ? 64 : n)) }' /proc/meminfo)}
mkdir -p "$MHAC_CONFIG_DIR" "$MHAC_LOCALCACHE_DIR" "$MHAC_LOG_DIR" "$MHAC_DATAROOT/mhac" \
    "$MHAC_NGINX_CONF_DIR" "$MHAC_FPM_POOL_DIR" "$MHAC_PHP_INI_DIR" "$(dirname "$MHAC_FPM_SOCKET")" \
    "$(dirname "$MHAC_CRON_FILE")"
chown root:"$MHAC_WEB_GROUP" "$MHAC_CONFIG_DIR"; chmod 0750 "$MHAC_CONFIG_DIR"
chown "$MHAC_WEB_USER:$MHAC_WEB_GROUP" "$MHAC_LOCALCACHE_DIR" "$MHAC_LOG_DIR" "$MHAC_DATAROOT" "$MHAC_DATAROOT/mhac"
chmod 2770 "$MHAC_DATAROOT" "$MHAC_DATAROOT/mhac"

# Deploy-time values and secrets: one PHP file that only root and the web user read.
(
    umask 077
    t=$(mktemp "$MHAC_CONFIG_DIR/.site.php.XXXXXX")
    {
        echo '<?php // written by mhac setup.sh at boot: deploy-time values and secrets'
        echo "\$mhac = ["
        printf "    'dbhost' => %s, 'dbport' => %d,\n" "$(phpstr "$MHAC_DB_HOST")" "$MHAC_DB_PORT"
        printf "    'dbuser' => %s, 'dbpass' => %s,\n" "$(phpstr "$db_user")" "$(phpstr "$db_pass")"
        printf "    'dataroot' => '%s', 'localcachedir' => '%s',\n" "$MHAC_DATAROOT" "$MHAC_LOCALCACHE_DIR"
        printf "    'redishost' => %s, 'redisport' => %d, 'redisauth' => %s,\n" \
            "$(phpstr "${MHAC_REDIS_HOST:-}")" "${MHAC_REDIS_PORT:-6379}" "$(phpstr "$redis_auth")"
        printf "    'redistls' => ['verify_peer' => true, 'verify_peer_name' => true%s],\n" \
            "${MHAC_REDIS_CAFILE:+, 'cafile' => $(phpstr "$MHAC_REDIS_CAFILE")}"
        echo '];'
    } >"$t"
    chown root:"$MHAC_WEB_GROUP" "$t"; chmod 0640 "$t"; mv -f "$t" "$MHAC_CONFIG_DIR/site.php"
)
for f in lib.php dbtool.php health.php; do
    render "$BUNDLE/$f" "$MHAC_CONFIG_DIR/$f" 0640 "root:$MHAC_WEB_GROUP"
done
render "$BUNDLE/config.php" "$MHAC_CODE_DIR/config.php" 0640 "root:$MHAC_WEB_GROUP"
render "$BUNDLE/php.ini" "$MHAC_PHP_INI_DIR/90-moodle.ini" 0644 root:root
render "$BUNDLE/php-fpm.conf" "$MHAC_FPM_POOL_DIR/moodle.conf" 0644 root:root
render "$BUNDLE/nginx.conf" "$MHAC_NGINX_CONF_DIR/moodle.conf" 0644 root:root

# Install exactly once: every node takes the lock in the shared dataroot.
lock=$MHAC_DATAROOT/mhac/install.lock
exec 9>>"$lock"
log "waiting for the install lock $lock"
flock -w "$MHAC_LOCK_WAIT" 9 || die "no install lock after ${MHAC_LOCK_WAIT}s"
log "install lock held"
deadline=$(($(date +%s) + MHAC_DB_WAIT))
until out=$(printf '%s' "$db_master" | dbtool ensure-user 2>&1); do
    case $? in 2) ;; *) die "database user: $out" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || die "database unreachable for ${MHAC_DB_WAIT}s: $out"
    log "database unreachable, retrying in 10s ($out)"; sleep 10
done
log "$out"
rc=0; state=$(dbtool state 2>&1) || rc=$?
case $rc in
    0) ;;
    4) die "the database holds a partly installed site ($state); refusing to install over it: restore a backup or empty the database" ;;
    *) die "database state: $state" ;;
esac
case $state in
    empty)
        log "INSTALL: empty database, installing Moodle $MOODLE_RELEASE (log: $MHAC_LOG_DIR/install.log)"
        start=$(date +%s)
        printf '%s\n' "$admin_pass" | as_web "$MHAC_PHP" -d max_input_vars="$MAX_INPUT_VARS" \
            "$MHAC_CONFIG_DIR/dbtool.php" install "$MHAC_CODE_DIR" --agree-license --lang=en \
            --adminuser="$ADMIN_USER" --adminemail="$ADMIN_EMAIL" \
            --fullname="$SITE_FULLNAME" --shortname="$SITE_SHORTNAME" >"$MHAC_LOG_DIR/install.log" 2>&1 ||
            { tail -n 20 "$MHAC_LOG_DIR/install.log" >&2; die "install_database.php failed"; }
        log "INSTALLED: Moodle installed in $(($(date +%s) - start))s"
        ;;
    installed*)
        rc=0; as_web "$MHAC_PHP" "$MHAC_CODE_DIR/admin/cli/upgrade.php" --is-pending >/dev/null 2>&1 || rc=$?
        case $rc in
            0) log "site already installed (${state#installed }), code is current: nothing to do" ;;
            2)
                log "UPGRADE: site at ${state#installed }, upgrading to this node's code"
                as_web "$MHAC_PHP" -d max_input_vars="$MAX_INPUT_VARS" "$MHAC_CODE_DIR/admin/cli/upgrade.php" \
                    --non-interactive >"$MHAC_LOG_DIR/upgrade.log" 2>&1 ||
                    { tail -n 20 "$MHAC_LOG_DIR/upgrade.log" >&2; die "upgrade.php failed"; }
                as_web "$MHAC_PHP" "$MHAC_CODE_DIR/admin/cli/purge_caches.php" || die "purge_caches.php failed"
                log "UPGRADED"
                ;;
            *) die "upgrade.php --is-pending failed (exit $rc): is the code older than the database?" ;;
        esac
        ;;
    *) die "unexpected database state: $state" ;;
esac
exec 9>&-
render "$BUNDLE/cron" "$MHAC_CRON_FILE" 0644 root:root
log "done: code $MHAC_CODE_DIR, dataroot $MHAC_DATAROOT, web root $MHAC_CODE_DIR$WEB_ROOT_SUBDIR"
