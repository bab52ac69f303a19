//! App servers: the instance role and profile (Session Manager and the
//! CloudWatch agent), the launch template (IMDSv2 only, encrypted gp3 root
//! volume, no key pair), the Auto Scaling group over the tier's subnets
//! with ELB health checks and rolling updates, and CPU target tracking.
//! An `ssm(...)` image is a template parameter CloudFormation resolves at
//! deploy time.

use super::intrinsics::{Builder, Resource, managed_policy, number};
use mhac_compiler::plan::{
    AutoScalingGroup, ImageParameter, ImageSource, InstanceProfile, InstanceRole, LaunchTemplate, PartId,
    ScalingPolicy, Text, decisions,
};
use serde_json::{Value, json};

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
    let resource = Resource::new(
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
    b.add(id, b.id(id), resource);
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
    let resource = Resource::new("AWS::AutoScaling::AutoScalingGroup", properties).update_policy(json!({
        "AutoScalingRollingUpdate": {
            "MinInstancesInService": in_service,
            "MaxBatchSize": 1,
            "PauseTime": "PT5M",
        },
        "AutoScalingScheduledAction": { "IgnoreUnmodifiedGroupSizeProperties": true }
    }));
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
