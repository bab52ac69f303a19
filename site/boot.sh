#!/bin/sh
# mhac boot: the first thing cloud-init runs on an app server. Reads the
# site bundle's pieces from SSM Parameter Store (in order: $MHAC_SITE_PARTS),
# checks the bundle against $MHAC_SITE_SHA256, unpacks it and runs the
# machine layer. POSIX sh, run as root. It is written into the user data,
# where CloudFormation and Terraform read "$" followed by "{" as their own:
# this script never writes that pair.
#
#   boot.sh [ENV_FILE [DIR [AWS [MACHINE]]]]   (tests; cloud-init passes none)
set -eu
env_file=/etc/mhac/site.env dir=/opt/mhac aws=aws machine=
if [ $# -ge 1 ]; then env_file=$1; fi
if [ $# -ge 2 ]; then dir=$2; fi
if [ $# -ge 3 ]; then aws=$3; fi
if [ $# -ge 4 ]; then machine=$4; fi
# shellcheck source=/dev/null
. "$env_file"
log() { printf '%s mhac-boot: %s\n' "$(date -u +%T)" "$*" >&2; }
fetch() {
    for part in $MHAC_SITE_PARTS; do
        "$aws" ssm get-parameter --region "$MHAC_REGION" --name "$part" --query Parameter.Value --output text || return 1
    done
}
# The instance role can take a few seconds to be usable.
n=0
mkdir -p "$dir"
until fetch >"$dir/site.b64"; do
    n=$((n + 1))
    [ "$n" -lt 20 ] || { log "cannot read the site bundle ($MHAC_SITE_PARTS) from SSM Parameter Store"; exit 1; }
    sleep 15
done
tr -d '\n' <"$dir/site.b64" | base64 -d >"$dir/site.tgz"
echo "$MHAC_SITE_SHA256  $dir/site.tgz" | sha256sum -c - >/dev/null ||
    { log "the site bundle's SHA-256 is not $MHAC_SITE_SHA256"; exit 1; }
rm -rf "$dir/site"
mkdir -p "$dir/site"
tar -xzf "$dir/site.tgz" -C "$dir/site"
log "site bundle $MHAC_SITE_SHA256 unpacked into $dir/site"
[ -n "$machine" ] || machine="$dir/site/machine/al2023.sh"
exec sh "$machine"
