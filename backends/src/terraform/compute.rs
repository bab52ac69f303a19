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
//! * `aws_autoscaling_policy.APP_cpu`: target tracking on average CPU;
//! * with a site: the launch template's user data (the cloud-config that
//!   installs and runs it), `aws_iam_role_policy.APP_site` (what the
//!   instances may read), and the group waits for the load balancer to see
//!   them healthy.

use super::doc::{Area, Doc, Res, list, nested, reference, tags, var};
use super::security::{Statement, assume_role_document, managed_policy_arn, policy_document};
use hcl::expr::{Expression, FuncCall, Heredoc, TemplateExpr};
use hcl::{Block, Identifier};
use mhac_compiler::plan::identity::{address, assume_document, tf_type};
use mhac_compiler::plan::{
    AutoScalingGroup, EnvValue, ImageParameter, ImageSource, InstanceProfile, InstanceRole, LaunchTemplate, PartId,
    PartKind, ScalingPolicy, SiteAccess, SitePiece, Text, UserData, decisions, site,
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
    let user_data = template.user_data.as_ref().and_then(|data| user_data(doc, data));
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
            .attr_opt("user_data", user_data)
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
        // With a site, `apply` waits until the load balancer sees `min`
        // instances healthy, the site's health endpoint green on each.
        let runs_site = matches!(&doc.plan.part(group.launch_template).kind,
            PartKind::LaunchTemplate(template) if template.user_data.is_some());
        if group.wait_for_site && runs_site {
            asg = asg.attr("wait_for_elb_capacity", group.min).attr("wait_for_capacity_timeout", site::WAIT_TIMEOUT);
        }
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

/// `TYPE.NAME.ATTRIBUTE` of a part, inside a template string.
fn interpolate(doc: &Doc<'_>, part: PartId, attribute: &str) -> String {
    format!("${{{}.{}.{attribute}}}", tf_type(&doc.plan.part(part).kind), doc.name(part))
}

/// The instances' cloud-config, as a heredoc whose interpolations fill in
/// the deploy-time values, encoded by `base64encode`. (The instances need
/// not signal: Terraform waits for the load balancer to see them healthy.)
fn user_data(doc: &Doc<'_>, data: &UserData) -> Option<Expression> {
    doc.plan.site.as_ref()?;
    let text = site::cloud_config(data, |value| match value {
        // A template reads `${` and `%{` in written text as its own: doubled,
        // they stay text.
        EnvValue::Text(Text::Literal(text)) => Some(text.replace("${", "$${").replace("%{", "%%{")),
        EnvValue::Text(Text::Param(index)) => {
            Some(format!("${{var.{}}}", doc.plan.params.get(*index).map_or("missing_param", |p| p.ident.tf())))
        }
        EnvValue::Region => Some(doc.plan.deployment.region.clone()),
        EnvValue::CfnStack | EnvValue::CfnLogicalId(_) => None,
        EnvValue::DbAddress(part) => Some(interpolate(doc, *part, "address")),
        EnvValue::DbPort(part) => Some(interpolate(doc, *part, "port")),
        EnvValue::DbIdentifier(part) => Some(interpolate(doc, *part, "identifier")),
        EnvValue::SecretArn(part) => Some(interpolate(doc, *part, "arn")),
        EnvValue::CacheId(part) | EnvValue::FileSystemId(part) => Some(interpolate(doc, *part, "id")),
        EnvValue::LogGroupName(part) => Some(interpolate(doc, *part, "name")),
    });
    let heredoc = Heredoc::new(Identifier::unchecked("CLOUD_CONFIG"), text);
    let call = FuncCall::builder("base64encode").arg(Expression::from(TemplateExpr::Heredoc(heredoc))).build();
    Some(Expression::from(call))
}

/// A piece of the site's bundle: a standard-tier String parameter.
pub fn site_piece(doc: &mut Doc<'_>, id: PartId, piece: &SitePiece) {
    let name = doc.name(id);
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_ssm_parameter", name)
            .attr("name", piece.name.as_str())
            .attr("type", "String")
            .attr("tier", "Standard")
            .attr("value", piece.value.as_str())
            .attr("description", "A piece of the Moodle site's files (mhac); the app servers read it at boot")
            .skip(
                "CKV2_AWS_34",
                "the site's files, rendered from mhac's public templates, hold no secret (the site's secrets are in Secrets Manager); CloudFormation cannot create a SecureString, and both printers stay equivalent",
            ),
    );
}

/// What the site's instances may read: the site's secrets and the
/// database's RDS-managed master secret (by its tag), decryption with the
/// deployment's key, the database and session store they describe, and the
/// code archive.
pub fn site_access(doc: &mut Doc<'_>, id: PartId, access: &SiteAccess) {
    let name = doc.name(id);
    let partition = doc.partition();
    let region = doc.plan.deployment.region.as_str();
    let account = super::monitoring::account_id();
    let db_arn = super::doc::template([
        super::doc::TemplatePart::Text(format!("arn:{partition}:rds:{region}:")),
        super::doc::TemplatePart::Expr(account.clone()),
        super::doc::TemplatePart::Text(":db:".to_string()),
        super::doc::TemplatePart::Expr(doc.at(access.database, "identifier")),
    ]);
    let master_secrets = super::doc::template([
        super::doc::TemplatePart::Text(format!("arn:{partition}:secretsmanager:{region}:")),
        super::doc::TemplatePart::Expr(account.clone()),
        super::doc::TemplatePart::Text(":secret:rds!db-*".to_string()),
    ]);
    let pieces: Vec<Expression> = access
        .pieces
        .iter()
        .filter_map(|piece| match &doc.plan.part(*piece).kind {
            PartKind::SitePiece(piece) => Some(super::doc::template([
                super::doc::TemplatePart::Text(format!("arn:{partition}:ssm:{region}:")),
                super::doc::TemplatePart::Expr(account.clone()),
                super::doc::TemplatePart::Text(format!(":parameter{}", piece.name)),
            ])),
            _ => None,
        })
        .collect();
    let mut statements = vec![
        Statement::allow("ReadSiteBundle", &["ssm:GetParameter"]).on(pieces),
        Statement::allow("ReadSiteSecrets", &["secretsmanager:GetSecretValue"]).on(access
            .secrets
            .iter()
            .map(|secret| doc.at(*secret, "arn"))
            .collect()),
        Statement::allow("ReadDatabaseMasterSecret", &["secretsmanager:GetSecretValue"])
            .on(vec![master_secrets])
            .condition_expr(
                "StringEquals",
                "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn",
                vec![db_arn.clone()],
            ),
        Statement::allow("DecryptSiteSecrets", &["kms:Decrypt"]).on(vec![doc.at(access.key, "arn")]),
        Statement::allow("DescribeDatabase", &["rds:DescribeDBInstances"]).on(vec![db_arn]),
    ];
    if let Some(cache) = access.cache {
        statements.push(
            Statement::allow("DescribeSessionStore", &["elasticache:DescribeReplicationGroups"])
                .on(vec![doc.at(cache, "arn")]),
        );
    }
    if let Some((bucket, key)) = &access.code_object {
        statements.push(
            Statement::allow("ReadSiteCode", &["s3:GetObject"])
                .on(vec![Expression::from(format!("arn:{partition}:s3:::{bucket}/{key}"))]),
        );
    }
    let document = policy_document(name.to_string(), &statements);
    let json = document.at("json");
    doc.add(id, Area::Compute, document);
    doc.add(
        id,
        Area::Compute,
        Res::resource("aws_iam_role_policy", name)
            .attr("name", format!("{}-site", access.app))
            .attr("role", doc.at(access.role, "id"))
            .attr("policy", json),
    );
}
