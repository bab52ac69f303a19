#!/bin/sh
# mhac machine layer for Amazon Linux 2023: packages, the EFS dataroot over TLS,
# logs to CloudWatch, then the site layer (../setup.sh), services, a local
# health check and the CloudFormation signal. POSIX sh, run as root by
# cloud-init (runcmd). Deploy-time values: /etc/mhac/site.env (site/README.md).
set -eu
PHP_VERSION='{{PHP_VERSION}}'
DB_TYPE='{{DB_TYPE}}'
SITE=$(cd "$(dirname "$0")/.." && pwd)
ENV_FILE=${MHAC_ENV_FILE:-/etc/mhac/site.env}
# shellcheck source=/dev/null
. "$ENV_FILE"
: "${MHAC_DATAROOT:=/mnt/moodledata}" "${MHAC_LOG_DIR:=/var/log/moodle}" "${MHAC_WEB_UID:=2990}"
log() { printf '%s mhac-machine: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

signal() { # true|false: tell CloudFormation (Terraform deployments wait on the ASG instead)
    if [ -n "${MHAC_CFN_STACK:-}" ] && [ -n "${MHAC_CFN_RESOURCE:-}" ]; then
        /opt/aws/bin/cfn-signal --success "$1" --stack "$MHAC_CFN_STACK" --resource "$MHAC_CFN_RESOURCE" \
            --region "${MHAC_REGION:-}" ${MHAC_CFN_URL:+--url "$MHAC_CFN_URL"} || log "cfn-signal failed"
    fi
}
trap 'rc=$?; [ $rc -eq 0 ] || { log "FAILED (exit $rc)"; signal false; }' EXIT
: "${MHAC_REGION:?}" "${MHAC_EFS_ID:?}" "${MHAC_LOG_GROUP:?}"

# The web user owns the shared dataroot: the same uid on every node.
if ! getent passwd nginx >/dev/null; then
    if getent passwd "$MHAC_WEB_UID" >/dev/null; then log "uid $MHAC_WEB_UID is taken"; exit 1; fi
    getent group nginx >/dev/null || groupadd -r -g "$MHAC_WEB_UID" nginx
    useradd -r -u "$MHAC_WEB_UID" -g nginx -d /var/lib/nginx -s /sbin/nologin nginx
fi
[ "$(id -u nginx)" = "$MHAC_WEB_UID" ] || log "WARNING: nginx is uid $(id -u nginx), not $MHAC_WEB_UID: the dataroot's owner differs between nodes"

p=php$PHP_VERSION
case $DB_TYPE in pgsql) dbext=$p-pgsql ;; *) dbext=$p-mysqlnd ;; esac
log "installing nginx, PHP $PHP_VERSION, efs-utils, cfn-bootstrap, CloudWatch agent, cronie"
# phpX.Y-pecl-redis6 is in AL2023 since 2023.8.20250818 (older images: pecl install redis).
dnf install -y -q nginx "$p-cli" "$p-fpm" "$p-common" "$dbext" "$p-intl" "$p-mbstring" "$p-gd" "$p-xml" \
    "$p-soap" "$p-zip" "$p-opcache" "$p-sodium" "$p-pecl-redis6" amazon-efs-utils aws-cfn-bootstrap \
    amazon-cloudwatch-agent cronie logrotate

# The shared dataroot: EFS over TLS, remounted at boot.
mkdir -p "$MHAC_DATAROOT"
if ! grep -q " $MHAC_DATAROOT efs " /etc/fstab; then
    echo "$MHAC_EFS_ID:/ $MHAC_DATAROOT efs _netdev,tls,noresvport 0 0" >>/etc/fstab
fi
n=0
until mountpoint -q "$MHAC_DATAROOT" || mount "$MHAC_DATAROOT"; do
    n=$((n + 1)); [ $n -lt 30 ] || { log "cannot mount $MHAC_EFS_ID on $MHAC_DATAROOT"; exit 1; }
    sleep 10
done

# Logs to the app servers' log group.
mkdir -p "$MHAC_LOG_DIR" /opt/aws/amazon-cloudwatch-agent/etc
cat >/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<EOF
{"logs": {"logs_collected": {"files": {"collect_list": [
  {"file_path": "/var/log/nginx/access.log", "log_group_name": "$MHAC_LOG_GROUP", "log_stream_name": "{instance_id}/nginx-access"},
  {"file_path": "/var/log/nginx/error.log", "log_group_name": "$MHAC_LOG_GROUP", "log_stream_name": "{instance_id}/nginx-error"},
  {"file_path": "/var/log/php-fpm/error.log", "log_group_name": "$MHAC_LOG_GROUP", "log_stream_name": "{instance_id}/php-fpm"},
  {"file_path": "$MHAC_LOG_DIR/*.log", "log_group_name": "$MHAC_LOG_GROUP", "log_stream_name": "{instance_id}/moodle"},
  {"file_path": "/var/log/mhac-site.log", "log_group_name": "$MHAC_LOG_GROUP", "log_stream_name": "{instance_id}/setup"}
]}}}}
EOF
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
printf '%s/*.log {\n  daily\n  rotate 7\n  compress\n  missingok\n  copytruncate\n}\n' "$MHAC_LOG_DIR" \
    >/etc/logrotate.d/moodle

# php-fpm's stock pool runs as apache: only ours stays.
[ ! -f /etc/php-fpm.d/www.conf ] || mv /etc/php-fpm.d/www.conf /etc/php-fpm.d/www.conf.disabled

log "running the site layer"
rc=0; sh "$SITE/setup.sh" >>/var/log/mhac-site.log 2>&1 || rc=$?
[ $rc -eq 0 ] || { tail -n 30 /var/log/mhac-site.log >&2; exit 1; }
systemctl enable --now php-fpm nginx crond
systemctl reload-or-restart php-fpm nginx

log "waiting for http://127.0.0.1/mhac-health"
n=0
until curl -fsS -o /dev/null --max-time 10 http://127.0.0.1/mhac-health; do
    n=$((n + 1))
    [ $n -lt 30 ] || { log "health: $(curl -s --max-time 10 http://127.0.0.1/mhac-health)"; exit 1; }
    sleep 10
done
log "healthy"
signal true
