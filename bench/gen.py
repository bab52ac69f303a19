#!/usr/bin/env python3
"""Generate a large, valid mhac source: N app-server groups, each behind its
own load balancer, over two zones. Used by bench/run to measure how check and
build scale (DESIGN §7: 1,000 groups, about 10,000 resources).

    bench/gen.py 1000 > /tmp/big.mha
"""
import sys

groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
per_group_max = 2
# Every app subnet must hold all instances (a zone can fail) plus the mount
# target and AWS's 5 reserved addresses: a /20 holds 4,096.
if groups * per_group_max + 6 > 4096:
    sys.exit("at most 2,045 groups fit the generated network")
public = ["10.0.0.0/22", "10.0.4.0/22"]
app = ["10.0.16.0/20", "10.0.32.0/20"]
data = ["10.0.64.0/24", "10.0.65.0/24"]

out = [f"""deployment "bench" {{
  region  = "us-east-1"
  zones   = ["us-east-1a", "us-east-1b"]
  moodle  = "4.5"
  profile = prod
}}

param certificate_arn : string

network main {{
  cidr = 10.0.0.0/16
  nat  = per_zone
  tier public {{ kind = public, cidrs = [{public[0]}, {public[1]}] }}
  tier app    {{ kind = private, cidrs = [{app[0]}, {app[1]}] }}
  tier data   {{ kind = isolated, cidrs = [{data[0]}, {data[1]}] }}
}}

security_group alb {{ allow https, http from internet }}
security_group web {{ allow http from alb }}
security_group db  {{ allow mysql from web }}
security_group fs  {{ allow nfs from web }}
security_group kv  {{ allow redis from web }}

database moodle_db {{
  engine         = mysql("8.0")
  class          = "db.r6g.large"
  subnets        = main.data
  security_group = db
}}

file_system dataroot {{ subnets = main.app, security_group = fs }}
cache sessions {{ engine = redis, subnets = main.data, security_group = kv }}
"""]
for i in range(groups):
    out.append(f"""
load_balancer lb{i} {{
  subnets        = main.public
  security_group = alb
  https {{ certificate = param.certificate_arn }}
}}

app_servers app{i} {{
  subnets        = main.app
  security_group = web
  instance_type  = "m6i.large"
  image          = ssm("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
  scaling {{ min = 2, max = {per_group_max} }}
  behind lb{i} {{ health_check = "/login/index.php" }}
}}
""")
sys.stdout.write("".join(out))
