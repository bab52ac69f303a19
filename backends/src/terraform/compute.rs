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
//! * `aws_autoscaling_policy.APP_cpu`: target tracking on average CPU, when
//!   the group has room to scale.

use super::doc::{Area, Doc, Res, data_ref, list, nested, reference, tags, var};
use super::load_balancer::target_group_arn;
use super::names::address;
use super::network::subnet_ids;
use super::security::{assume_role_document, managed_policy_arn};
use crate::decisions;
use hcl::Block;
use hcl::expr::Expression;
use mhac_compiler::model::{Access, AppServers, Image};

/// The root device of Amazon Linux images.
const ROOT_DEVICE: &str = "/dev/xvda";
/// Instances kept in service during an instance refresh, percent.
const REFRESH_MIN_HEALTHY: u32 = 50;

/// Build every app server group.
pub fn build(doc: &mut Doc<'_>) {
    for app in &doc.model.app_servers {
        app_servers(doc, app);
    }
}

fn app_servers(doc: &mut Doc<'_>, app: &AppServers) {
    let model = doc.model;
    let name = app.name.as_str();

    let image = match &app.image {
        Image::Ssm(path) => {
            let data = Res::data("aws_ssm_parameter", address(&[name, "image"])).attr("name", path.as_str());
            let value = data_ref("aws_ssm_parameter", &address(&[name, "image"]), "insecure_value");
            doc.add(Area::Compute, data);
            value
        }
        Image::Ami(id) => Expression::from(id.as_str()),
        Image::Param(index) => var(model.params.get(*index).map_or("missing_param", |p| p.name.as_str())),
    };

    let role = address(&[name, "instance"]);
    let assume = assume_role_document(address(&[&role, "assume"]), "ec2.amazonaws.com");
    let assume_json = assume.at("json");
    doc.add(Area::Compute, assume);
    doc.add(
        Area::Compute,
        Res::resource("aws_iam_role", role.as_str())
            .attr("description", format!("instances of app servers {name}"))
            .attr("assume_role_policy", assume_json),
    );
    if app.access == Access::SessionManager {
        doc.add(
            Area::Compute,
            Res::resource("aws_iam_role_policy_attachment", address(&[name, "ssm"]))
                .attr("role", reference("aws_iam_role", &role, "name"))
                .attr("policy_arn", managed_policy_arn(doc, "AmazonSSMManagedInstanceCore")),
        );
    }
    doc.add(
        Area::Compute,
        Res::resource("aws_iam_role_policy_attachment", address(&[name, "cloudwatch_agent"]))
            .attr("role", reference("aws_iam_role", &role, "name"))
            .attr("policy_arn", managed_policy_arn(doc, "CloudWatchAgentServerPolicy")),
    );
    doc.add(
        Area::Compute,
        Res::resource("aws_iam_instance_profile", name).attr("role", reference("aws_iam_role", &role, "name")),
    );

    let group = model.security_groups.get(app.security_group).map_or("missing_group", |g| g.name.as_str());
    let instance_tags = || {
        let mut pairs: Vec<(String, Expression)> =
            vec![("Name".to_string(), Expression::from(format!("{}-{name}", doc.deployment())))];
        pairs.extend(model.deployment.tags.iter().map(|(k, v)| (k.clone(), Expression::from(v.as_str()))));
        tags(pairs)
    };
    let ebs = nested(
        "ebs",
        [
            ("volume_size", Expression::from(app.volume_gb)),
            ("volume_type", Expression::from("gp3")),
            ("encrypted", Expression::from("true")),
            ("delete_on_termination", Expression::from("true")),
        ],
    );
    doc.add(
        Area::Compute,
        Res::resource("aws_launch_template", name)
            .attr("name", doc.physical(&[name], 128))
            .attr("description", format!("app servers {name}"))
            .attr("image_id", image)
            .attr("instance_type", app.instance_type.as_str())
            .attr("vpc_security_group_ids", list([reference("aws_security_group", group, "id")]))
            .attr("update_default_version", true)
            .block(nested("iam_instance_profile", [("arn", reference("aws_iam_instance_profile", name, "arn"))]))
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
                [("resource_type", Expression::from("instance")), ("tags", instance_tags())],
            ))
            .block(nested(
                "tag_specifications",
                [("resource_type", Expression::from("volume")), ("tags", instance_tags())],
            )),
    );

    let subnets = subnet_ids(model, app.tier);
    let mut asg = Res::resource("aws_autoscaling_group", name)
        .attr("name", doc.physical(&[name], 255))
        .attr("min_size", app.scaling.min)
        .attr("max_size", app.scaling.max)
        .attr("vpc_zone_identifier", list(subnets))
        .attr("health_check_type", if app.behind.is_some() { "ELB" } else { "EC2" })
        .attr("health_check_grace_period", decisions::HEALTH_CHECK_GRACE);
    if let Some(group) = app.behind.as_ref().and_then(|behind| target_group_arn(doc, behind.load_balancer)) {
        asg = asg.attr("target_group_arns", list([group]));
    }
    asg = asg
        .block(nested(
            "launch_template",
            [
                ("id", reference("aws_launch_template", name, "id")),
                ("version", reference("aws_launch_template", name, "latest_version")),
            ],
        ))
        .block(
            Block::builder("instance_refresh")
                .add_attribute(("strategy", "Rolling"))
                .add_block(nested("preferences", [("min_healthy_percentage", Expression::from(REFRESH_MIN_HEALTHY))]))
                .build(),
        );
    let mut asg_tags = vec![("Name".to_string(), format!("{}-{name}", doc.deployment()))];
    asg_tags.extend(model.deployment.tags.iter().cloned());
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
    doc.add(Area::Compute, asg);
    super::layout::output(
        doc,
        &address(&[name, "auto_scaling_group_name"]),
        format!("Auto Scaling group of app servers {name}"),
        reference("aws_autoscaling_group", name, "name"),
    );

    if !decisions::has_scaling_policy(app.scaling.min, app.scaling.max) {
        return;
    }
    doc.add(
        Area::Compute,
        Res::resource("aws_autoscaling_policy", address(&[name, "cpu"]))
            .attr("name", format!("{}-cpu", doc.physical(&[name], 200)))
            .attr("autoscaling_group_name", reference("aws_autoscaling_group", name, "name"))
            .attr("policy_type", "TargetTrackingScaling")
            .block(
                Block::builder("target_tracking_configuration")
                    .add_attribute(("target_value", app.scaling.target_cpu))
                    .add_block(nested(
                        "predefined_metric_specification",
                        [("predefined_metric_type", Expression::from("ASGAverageCPUUtilization"))],
                    ))
                    .build(),
            ),
    );
}
