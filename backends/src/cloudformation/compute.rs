//! App servers: a launch template (IMDSv2 only, encrypted gp3 root volume,
//! no key pair), an Auto Scaling group over the tier's subnets with ELB
//! health checks and rolling updates, CPU target tracking, and the instance
//! role (Session Manager and the CloudWatch agent).

use super::intrinsics::{Builder, Id, Resource, get_att, managed_policy, number, origin, r};
use super::{load_balancer, network, param_value, security};
use mhac_compiler::model::{Access, AppServers, Image, StringValue};
use serde_json::{Value, json};

/// The Auto Scaling group.
pub(crate) fn auto_scaling_group(app: &AppServers) -> String {
    Id::of(&app.name, "AutoScalingGroup").id()
}

/// The instance role.
pub(crate) fn instance_role(app: &AppServers) -> String {
    Id::of(&app.name, "InstanceRole").id()
}

/// The parameter that resolves an `ssm(...)` image.
pub(crate) fn image_parameter(app: &AppServers) -> String {
    format!("{}ImageId", app.name.pascal())
}

/// Add the image parameters (one per app server group with an `ssm(...)`
/// image): CloudFormation resolves the public parameter at deploy time.
pub(crate) fn parameters(b: &mut Builder<'_>) {
    for app in &b.model.app_servers {
        if let Image::Ssm(path) = &app.image {
            b.parameter(
                image_parameter(app),
                json!({
                    "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                    "Default": path,
                    "Description": format!("AMI of app servers {}: the Systems Manager parameter that names it", app.name.as_str()),
                }),
            );
        }
    }
}

/// Add every app server group.
pub(crate) fn build(b: &mut Builder<'_>) {
    for app in &b.model.app_servers {
        one(b, app);
    }
}

fn one(b: &mut Builder<'_>, app: &AppServers) {
    let model = b.model;
    let at = origin("app_servers", &app.name, app.span);
    let mut policies = vec![managed_policy("CloudWatchAgentServerPolicy")];
    if app.access == Access::SessionManager {
        policies.insert(0, managed_policy("AmazonSSMManagedInstanceCore"));
    }
    let role = b.add(
        Id::of(&app.name, "InstanceRole"),
        at.clone(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("App servers {}", app.name.as_str()),
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
        ),
    );
    let profile = b.add(
        Id::of(&app.name, "InstanceProfile"),
        at.clone(),
        Resource::new("AWS::IAM::InstanceProfile", json!({ "Roles": [r(&role)] })),
    );
    let image = match &app.image {
        Image::Ssm(_) => r(&image_parameter(app)),
        Image::Ami(id) => json!(id),
        Image::Param(index) => param_value(model, &StringValue::Param(*index)),
    };
    let tags = b.tags(Some(b.name_tag(&[app.name.as_str()])));
    let template = b.add(
        Id::of(&app.name, "LaunchTemplate"),
        at.clone(),
        Resource::new(
            "AWS::EC2::LaunchTemplate",
            json!({
                "LaunchTemplateData": {
                    "ImageId": image,
                    "InstanceType": app.instance_type,
                    "IamInstanceProfile": { "Arn": get_att(&profile, "Arn") },
                    "SecurityGroupIds": [security::group_id(model, app.security_group)],
                    "MetadataOptions": { "HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1 },
                    "BlockDeviceMappings": [{
                        "DeviceName": "/dev/xvda",
                        "Ebs": { "VolumeSize": app.volume_gb, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true }
                    }],
                    "Monitoring": { "Enabled": true },
                    "TagSpecifications": [
                        { "ResourceType": "instance", "Tags": tags.clone() },
                        { "ResourceType": "volume", "Tags": tags.clone() }
                    ]
                },
                "TagSpecifications": [{ "ResourceType": "launch-template", "Tags": tags }],
            }),
        ),
    );

    let target_group = app
        .behind
        .as_ref()
        .and_then(|behind| model.load_balancers.get(behind.load_balancer))
        .filter(|lb| load_balancer::has_target_group(lb))
        .map(load_balancer::target_group);
    let scaling = &app.scaling;
    let mut properties = json!({
        "MinSize": scaling.min.to_string(),
        "MaxSize": scaling.max.to_string(),
        "VPCZoneIdentifier": network::subnet_refs(model, app.tier),
        "LaunchTemplate": { "LaunchTemplateId": r(&template), "Version": get_att(&template, "LatestVersionNumber") },
        "HealthCheckType": if target_group.is_some() { "ELB" } else { "EC2" },
        "HealthCheckGracePeriod": 300,
        "Tags": asg_tags(b, app),
    });
    if let (Some(group), Some(object)) = (&target_group, properties.as_object_mut()) {
        object.insert("TargetGroupARNs".into(), json!([r(group)]));
    }
    // Keep at least `min` instances in service while replacing them, one at
    // a time (CloudFormation needs it below the maximum).
    let in_service = scaling.min.min(scaling.max.saturating_sub(1));
    let asg = b.add(
        Id::of(&app.name, "AutoScalingGroup"),
        at.clone(),
        Resource::new("AWS::AutoScaling::AutoScalingGroup", properties).update_policy(json!({
            "AutoScalingRollingUpdate": {
                "MinInstancesInService": in_service,
                "MaxBatchSize": 1,
                "PauseTime": "PT5M",
            },
            "AutoScalingScheduledAction": { "IgnoreUnmodifiedGroupSizeProperties": true }
        })),
    );
    // Target tracking needs room to scale.
    if scaling.max > scaling.min {
        b.add(
            Id::of(&app.name, "CpuScalingPolicy"),
            origin("app_servers", &app.name, scaling.span),
            Resource::new(
                "AWS::AutoScaling::ScalingPolicy",
                json!({
                    "AutoScalingGroupName": r(&asg),
                    "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingConfiguration": {
                        "PredefinedMetricSpecification": { "PredefinedMetricType": "ASGAverageCPUUtilization" },
                        "TargetValue": number(scaling.target_cpu),
                    }
                }),
            ),
        );
    }
}

/// Auto Scaling tags (instances get theirs from the launch template).
fn asg_tags(b: &Builder<'_>, app: &AppServers) -> Value {
    let tags = b.tags(Some(b.name_tag(&[app.name.as_str()])));
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
