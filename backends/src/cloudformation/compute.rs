//! App servers: the instance role and profile (Session Manager and the
//! CloudWatch agent), the launch template (IMDSv2 only, encrypted gp3 root
//! volume, no key pair), the Auto Scaling group over the tier's subnets
//! with ELB health checks and rolling updates, and CPU target tracking.
//! An `ssm(...)` image is a template parameter CloudFormation resolves at
//! deploy time. With a site, the launch template's user data installs and
//! runs it, the instances may read its secrets, and the group waits for
//! their signals.

use super::intrinsics::{Builder, Resource, managed_policy, number, sub};
use mhac_compiler::plan::{
    AutoScalingGroup, EnvValue, ImageParameter, ImageSource, InstanceProfile, InstanceRole, LaunchTemplate, PartId,
    PartKind, ScalingPolicy, SiteAccess, SitePiece, Text, UserData, decisions, site,
};
use serde_json::{Map, Value, json};

pub(crate) fn image_parameter(b: &mut Builder<'_>, id: PartId, image: &ImageParameter) {
    let own = b.id(id);
    b.parameter(
        own.to_string(),
        json!({
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": image.path,
            "Description": format!("AMI of app servers {}: the Systems Manager parameter that names it", image.app),
        }),
    );
    b.mark(id, own);
}

pub(crate) fn instance_role(b: &mut Builder<'_>, id: PartId, role: &InstanceRole) {
    let mut policies = vec![managed_policy("CloudWatchAgentServerPolicy")];
    if role.session_manager {
        policies.insert(0, managed_policy("AmazonSSMManagedInstanceCore"));
    }
    let resource = Resource::new(
        "AWS::IAM::Role",
        json!({
            "Description": format!("App servers {}", role.app),
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Service": "ec2.amazonaws.com" },
                    "Action": "sts:AssumeRole"
                }]
            },
            "ManagedPolicyArns": policies,
            "Tags": b.tags(None),
        }),
    );
    b.add(id, b.id(id), resource);
}

pub(crate) fn instance_profile(b: &mut Builder<'_>, id: PartId, profile: &InstanceProfile) {
    let resource = Resource::new("AWS::IAM::InstanceProfile", json!({ "Roles": [b.r(profile.role)] }));
    b.add(id, b.id(id), resource);
}

pub(crate) fn launch_template(b: &mut Builder<'_>, id: PartId, template: &LaunchTemplate) {
    let image = match &template.image {
        ImageSource::Parameter(parameter) => b.r(*parameter),
        ImageSource::Ami(ami) => json!(ami),
        ImageSource::Param(index) => b.text(&Text::Param(*index)),
    };
    let tags = b.tags(Some(b.name_tag(&[template.app.as_str()])));
    let user_data = template.user_data.as_ref().and_then(|data| user_data(b, data));
    let mut resource = Resource::new(
        "AWS::EC2::LaunchTemplate",
        json!({
            "LaunchTemplateData": {
                "ImageId": image,
                "InstanceType": template.instance_type,
                "IamInstanceProfile": { "Arn": b.get_att(template.profile, "Arn") },
                "SecurityGroupIds": [b.get_att(template.group, "GroupId")],
                "MetadataOptions": { "HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1 },
                "BlockDeviceMappings": [{
                    "DeviceName": "/dev/xvda",
                    "Ebs": { "VolumeSize": template.volume_gb, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true }
                }],
                "Monitoring": { "Enabled": true },
                "TagSpecifications": [
                    { "ResourceType": "instance", "Tags": tags.clone() },
                    { "ResourceType": "volume", "Tags": tags.clone() }
                ]
            },
            "TagSpecifications": [{ "ResourceType": "launch-template", "Tags": tags }],
        }),
    );
    if let Some(user_data) = user_data {
        resource = resource.with(&["LaunchTemplateData", "UserData"], user_data);
    }
    b.add(id, b.id(id), resource);
}

/// The instances' cloud-config: `Fn::Sub` fills in the deploy-time values
/// (attributes through its variable map, which every implementation reads),
/// `Fn::Base64` encodes it.
fn user_data(b: &Builder<'_>, data: &UserData) -> Option<Value> {
    b.plan.site.as_ref()?;
    let variables = std::cell::RefCell::new(Map::new());
    let text = site::cloud_config(data, |value| {
        Some(match value {
            // `Fn::Sub` reads `${` in written text as a reference: `${!` keeps it.
            EnvValue::Text(Text::Literal(text)) => text.replace("${", "${!"),
            EnvValue::Text(Text::Param(index)) => {
                format!("${{{}}}", b.plan.params.get(*index).map_or("", |p| p.ident.cfn()))
            }
            EnvValue::Region => "${AWS::Region}".to_string(),
            EnvValue::CfnStack => "${AWS::StackName}".to_string(),
            EnvValue::CfnLogicalId(part) => b.id(*part).to_string(),
            EnvValue::DbAddress(part) => {
                variables.borrow_mut().insert("MhacDbHost".into(), b.get_att(*part, "Endpoint.Address"));
                "${MhacDbHost}".to_string()
            }
            EnvValue::DbPort(part) => {
                variables.borrow_mut().insert("MhacDbPort".into(), b.get_att(*part, "Endpoint.Port"));
                "${MhacDbPort}".to_string()
            }
            EnvValue::DbIdentifier(part)
            | EnvValue::SecretArn(part)
            | EnvValue::CacheId(part)
            | EnvValue::FileSystemId(part)
            | EnvValue::LogGroupName(part) => format!("${{{}}}", b.id(*part)),
        })
    });
    Some(json!({ "Fn::Base64": { "Fn::Sub": [text, Value::Object(variables.into_inner())] } }))
}

/// What the site's instances may read: the site's secrets and the
/// database's RDS-managed master secret (by its tag), decryption with the
/// deployment's key, the database and session store they describe, the code
/// archive, and the signal to the stack.
pub(crate) fn site_access(b: &mut Builder<'_>, id: PartId, access: &SiteAccess) {
    let secrets: Vec<Value> = access.secrets.iter().map(|secret| b.r(*secret)).collect();
    let database = b.id(access.database);
    let db_arn = sub(&format!("arn:${{AWS::Partition}}:rds:${{AWS::Region}}:${{AWS::AccountId}}:db:${{{database}}}"));
    let pieces: Vec<Value> = access
        .pieces
        .iter()
        .filter_map(|piece| match &b.plan.part(*piece).kind {
            PartKind::SitePiece(piece) => Some(sub(&format!(
                "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{}",
                piece.name
            ))),
            _ => None,
        })
        .collect();
    let mut statements = vec![
        json!({ "Sid": "ReadSiteBundle", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": pieces }),
        json!({ "Sid": "ReadSiteSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secrets }),
        json!({
            "Sid": "ReadDatabaseMasterSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:rds!db-*"),
            "Condition": { "StringEquals": { "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": db_arn.clone() } }
        }),
        json!({ "Sid": "DecryptSiteSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": b.get_att(access.key, "Arn") }),
        json!({ "Sid": "DescribeDatabase", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": db_arn }),
    ];
    if let Some(cache) = access.cache {
        let cache = b.id(cache);
        statements.push(json!({
            "Sid": "DescribeSessionStore",
            "Effect": "Allow",
            "Action": "elasticache:DescribeReplicationGroups",
            "Resource": sub(&format!("arn:${{AWS::Partition}}:elasticache:${{AWS::Region}}:${{AWS::AccountId}}:replicationgroup:${{{cache}}}")),
        }));
    }
    if let Some((bucket, key)) = &access.code_object {
        statements.push(json!({
            "Sid": "ReadSiteCode",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": sub(&format!("arn:${{AWS::Partition}}:s3:::{bucket}/{key}")),
        }));
    }
    statements.push(json!({
        "Sid": "SignalTheStack",
        "Effect": "Allow",
        "Action": "cloudformation:SignalResource",
        "Resource": sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*"),
    }));
    let resource = Resource::new(
        "AWS::IAM::Policy",
        json!({
            "PolicyName": format!("{}-site", access.app),
            "Roles": [b.r(access.role)],
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
        }),
    );
    b.add(id, b.id(id), resource);
}

/// A piece of the site's bundle: a standard-tier String parameter.
pub(crate) fn site_piece(b: &mut Builder<'_>, id: PartId, piece: &SitePiece) {
    let resource = Resource::new(
        "AWS::SSM::Parameter",
        json!({
            "Name": piece.name,
            "Type": "String",
            "Tier": "Standard",
            "Value": piece.value,
            "Description": "A piece of the Moodle site's files (mhac); the app servers read it at boot",
        }),
    );
    b.add(id, b.id(id), resource);
}

/// Whether an Auto Scaling group's instances run the site (and signal).
fn runs_site(b: &Builder<'_>, group: &AutoScalingGroup) -> bool {
    group.wait_for_site
        && matches!(&b.plan.part(group.launch_template).kind, PartKind::LaunchTemplate(t) if t.user_data.is_some())
}

/// Auto Scaling tags (instances get theirs from the launch template).
fn asg_tags(b: &Builder<'_>, app: &str) -> Value {
    let tags = b.tags(Some(b.name_tag(&[app])));
    let list = tags.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .map(|mut tag| {
                if let Some(object) = tag.as_object_mut() {
                    object.insert("PropagateAtLaunch".into(), json!(false));
                }
                tag
            })
            .collect(),
    )
}

pub(crate) fn auto_scaling_group(b: &mut Builder<'_>, id: PartId, group: &AutoScalingGroup) {
    let subnets: Vec<Value> = group.subnets.iter().map(|subnet| b.r(*subnet)).collect();
    let mut properties = json!({
        "MinSize": group.min.to_string(),
        "MaxSize": group.max.to_string(),
        "VPCZoneIdentifier": subnets,
        "LaunchTemplate": {
            "LaunchTemplateId": b.r(group.launch_template),
            "Version": b.get_att(group.launch_template, "LatestVersionNumber"),
        },
        "HealthCheckType": if group.target_group.is_some() { "ELB" } else { "EC2" },
        "HealthCheckGracePeriod": decisions::HEALTH_CHECK_GRACE,
        "Tags": asg_tags(b, &group.app),
    });
    if let (Some(target), Some(object)) = (group.target_group, properties.as_object_mut()) {
        object.insert("TargetGroupARNs".into(), json!([b.r(target)]));
    }
    // Keep at least `min` instances in service while replacing them, one at
    // a time (CloudFormation needs it below the maximum).
    let in_service = group.min.min(group.max.saturating_sub(1));
    let resource = if runs_site(b, group) {
        // Creation and every rolling replacement wait until each new
        // instance's site answers its health check and signals; a site that
        // does not come up fails the deployment, naming this group.
        Resource::new("AWS::AutoScaling::AutoScalingGroup", properties)
            .creation_policy(json!({ "ResourceSignal": { "Count": group.min, "Timeout": site::SIGNAL_TIMEOUT } }))
            .update_policy(json!({
                "AutoScalingRollingUpdate": {
                    "MinInstancesInService": in_service,
                    "MaxBatchSize": 1,
                    "PauseTime": site::SIGNAL_TIMEOUT,
                    "WaitOnResourceSignals": true,
                },
                "AutoScalingScheduledAction": { "IgnoreUnmodifiedGroupSizeProperties": true }
            }))
    } else {
        Resource::new("AWS::AutoScaling::AutoScalingGroup", properties).update_policy(json!({
            "AutoScalingRollingUpdate": {
                "MinInstancesInService": in_service,
                "MaxBatchSize": 1,
                "PauseTime": "PT5M",
            },
            "AutoScalingScheduledAction": { "IgnoreUnmodifiedGroupSizeProperties": true }
        }))
    };
    b.add(id, b.id(id), resource);
}

pub(crate) fn scaling_policy(b: &mut Builder<'_>, id: PartId, policy: &ScalingPolicy) {
    let resource = Resource::new(
        "AWS::AutoScaling::ScalingPolicy",
        json!({
            "AutoScalingGroupName": b.r(policy.group),
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
                "TargetValue": number(policy.target_cpu),
            }
        }),
    );
    b.add(id, b.id(id), resource);
}
