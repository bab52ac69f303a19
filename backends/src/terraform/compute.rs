//! Compute: the Moodle app servers.
//!
//! Per `app_servers` `APP`:
//! * the image: `data "aws_ssm_parameter" "APP_image"` for `ssm("...")`, an
//!   AMI id, or the parameter's variable;
//! * `aws_iam_role.APP_instance` (trusted by EC2) with
//!   `aws_iam_role_policy_attachment.APP_ssm` (AmazonSSMManagedInstanceCore,
//!   when access is Session Manager) and `.APP_cloudwatch_agent`
//!   (CloudWatchAgentServerPolicy), and `aws_iam_instance_profile.APP`;
//! * `aws_launch_template.APP`: IMDSv2 required (one hop), encrypted gp3 root
//!   volume, the instance profile, the security group, detailed monitoring,
//!   no key pair;
//! * `aws_autoscaling_group.APP` over the tier's subnets, registered with the
//!   target group of the load balancer it is behind (ELB health checks),
//!   rolling instance refresh when the template changes;
//! * `aws_autoscaling_policy.APP_cpu`: target tracking on average CPU.

use super::doc::{Area, Doc, Res, list, nested, reference, tags, var};
use super::security::{assume_role_document, managed_policy_arn};
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::plan::identity::{address, assume_document};
use mhac_compiler::plan::{
    AutoScalingGroup, ImageParameter, ImageSource, InstanceProfile, InstanceRole, LaunchTemplate, PartId,
    ScalingPolicy, decisions,
};

/// The root device of Amazon Linux images.
const ROOT_DEVICE: &str = "/dev/xvda";
/// Instances kept in service during an instance refresh, percent.
const REFRESH_MIN_HEALTHY: u32 = 50;

pub fn image_parameter(doc: &mut Doc<'_>, id: PartId, image: &ImageParameter) {
    doc.add(id, Area::Compute, Res::data("aws_ssm_parameter", doc.name(id)).attr("name", image.path.as_str()));
}

pub fn instance_role(doc: &mut Doc<'_>, id: PartId, role: &InstanceRole) {
    let name = doc.name(id);
    let app = role.app.as_str();
    let assume = assume_role_document(assume_document(name), "ec2.amazonaws.com");
    let assume_json = assume.at("json");
    doc.add(id, Area::Compute, assume);
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_iam_role", name)
            .attr("description", format!("instances of app servers {app}"))
            .attr("assume_role_policy", assume_json),
    );
    if role.session_manager {
        doc.add(
            id,
            Area::Compute,
            Res::resource("aws_iam_role_policy_attachment", address(&[app, "ssm"]))
                .attr("role", reference("aws_iam_role", name, "name"))
                .attr("policy_arn", managed_policy_arn(doc, "AmazonSSMManagedInstanceCore")),
        );
    }
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_iam_role_policy_attachment", address(&[app, "cloudwatch_agent"]))
            .attr("role", reference("aws_iam_role", name, "name"))
            .attr("policy_arn", managed_policy_arn(doc, "CloudWatchAgentServerPolicy")),
    );
}

pub fn instance_profile(doc: &mut Doc<'_>, id: PartId, profile: &InstanceProfile) {
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_iam_instance_profile", doc.name(id)).attr("role", doc.at(profile.role, "name")),
    );
}

/// `Name` plus the deployment's tags, for what an instance launches.
fn instance_tags(doc: &Doc<'_>, app: &str) -> Expression {
    let mut pairs: Vec<(String, Expression)> =
        vec![("Name".to_string(), Expression::from(format!("{}-{app}", doc.deployment())))];
    pairs.extend(doc.plan.deployment.tags.iter().map(|(k, v)| (k.clone(), Expression::from(v.as_str()))));
    tags(pairs)
}

pub fn launch_template(doc: &mut Doc<'_>, id: PartId, template: &LaunchTemplate) {
    let app = template.app.as_str();
    let image = match &template.image {
        ImageSource::Parameter(parameter) => doc.at(*parameter, "insecure_value"),
        ImageSource::Ami(ami) => Expression::from(ami.as_str()),
        ImageSource::Param(index) => var(doc.plan.params.get(*index).map_or("missing_param", |p| p.ident.tf())),
    };
    let ebs = nested(
        "ebs",
        [
            ("volume_size", Expression::from(template.volume_gb)),
            ("volume_type", Expression::from("gp3")),
            ("encrypted", Expression::from("true")),
            ("delete_on_termination", Expression::from("true")),
        ],
    );
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_launch_template", doc.name(id))
            .attr("name", doc.physical(&[app], 128))
            .attr("description", format!("app servers {app}"))
            .attr("image_id", image)
            .attr("instance_type", template.instance_type.as_str())
            .attr("vpc_security_group_ids", list([doc.at(template.group, "id")]))
            .attr("update_default_version", true)
            .block(nested("iam_instance_profile", [("arn", doc.at(template.profile, "arn"))]))
            .block(nested(
                "metadata_options",
                [
                    ("http_endpoint", Expression::from("enabled")),
                    ("http_tokens", Expression::from("required")),
                    ("http_put_response_hop_limit", Expression::from(1)),
                ],
            ))
            .block(nested("monitoring", [("enabled", Expression::from(true))]))
            .block(
                Block::builder("block_device_mappings")
                    .add_attribute(("device_name", ROOT_DEVICE))
                    .add_block(ebs)
                    .build(),
            )
            .block(nested(
                "tag_specifications",
                [("resource_type", Expression::from("instance")), ("tags", instance_tags(doc, app))],
            ))
            .block(nested(
                "tag_specifications",
                [("resource_type", Expression::from("volume")), ("tags", instance_tags(doc, app))],
            )),
    );
}

pub fn auto_scaling_group(doc: &mut Doc<'_>, id: PartId, group: &AutoScalingGroup) {
    let app = group.app.as_str();
    let subnets: Vec<Expression> = group.subnets.iter().map(|subnet| doc.at(*subnet, "id")).collect();
    let mut asg = Res::resource("aws_autoscaling_group", doc.name(id))
        .attr("name", doc.physical(&[app], 255))
        .attr("min_size", group.min)
        .attr("max_size", group.max)
        .attr("vpc_zone_identifier", list(subnets))
        .attr("health_check_type", if group.target_group.is_some() { "ELB" } else { "EC2" })
        .attr("health_check_grace_period", decisions::HEALTH_CHECK_GRACE);
    if let Some(target) = group.target_group {
        asg = asg.attr("target_group_arns", list([doc.at(target, "arn")]));
    }
    asg = asg
        .block(nested(
            "launch_template",
            [("id", doc.at(group.launch_template, "id")), ("version", doc.at(group.launch_template, "latest_version"))],
        ))
        .block(
            Block::builder("instance_refresh")
                .add_attribute(("strategy", "Rolling"))
                .add_block(nested("preferences", [("min_healthy_percentage", Expression::from(REFRESH_MIN_HEALTHY))]))
                .build(),
        );
    let mut asg_tags = vec![("Name".to_string(), format!("{}-{app}", doc.deployment()))];
    asg_tags.extend(doc.plan.deployment.tags.iter().cloned());
    for (key, value) in asg_tags {
        asg = asg.block(nested(
            "tag",
            [
                ("key", Expression::from(key)),
                ("value", Expression::from(value)),
                ("propagate_at_launch", Expression::from(true)),
            ],
        ));
    }
    doc.add(id, Area::Compute, asg);
}

pub fn scaling_policy(doc: &mut Doc<'_>, id: PartId, policy: &ScalingPolicy) {
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_autoscaling_policy", doc.name(id))
            .attr("name", format!("{}-cpu", doc.physical(&[policy.app.as_str()], 200)))
            .attr("autoscaling_group_name", doc.at(policy.group, "name"))
            .attr("policy_type", "TargetTrackingScaling")
            .block(
                Block::builder("target_tracking_configuration")
                    .add_attribute(("target_value", policy.target_cpu))
                    .add_block(nested(
                        "predefined_metric_specification",
                        [("predefined_metric_type", Expression::from("ASGAverageCPUUtilization"))],
                    ))
                    .build(),
            ),
    );
}
