//! The staging bucket: where templates too large to send in a request
//! (over 51,200 bytes) and the templates of nested stacks go before
//! CloudFormation reads them, as `aws cloudformation deploy --s3-bucket`
//! and CDK's bootstrap bucket do.
//!
//! mhac creates one per account and region, `mhac-staging-ACCOUNT-REGION`,
//! the first time it needs it: encrypted (SSE-S3), versioned, every public
//! access block on, a policy that refuses requests without TLS, and a
//! lifecycle that expires templates after 90 days and old versions after 7.
//! (Through a plain-HTTP endpoint — a local emulator — the TLS-only policy
//! is left out: it would refuse mhac's own uploads.)
//! `--staging-bucket NAME` names an existing bucket instead; mhac then
//! changes nothing about it. Objects are named after their content's
//! SHA-256, so uploading the same template twice changes nothing.

use crate::aws::{Aws, Error};
use crate::plan::sha256_hex;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, BucketVersioningStatus,
    CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};

/// Days after which a staged template expires.
pub const EXPIRE_DAYS: i32 = 90;
/// Days after which a replaced version expires.
pub const NONCURRENT_DAYS: i32 = 7;

/// The bucket mhac creates for an account and region.
pub fn default_name(account: &str, region: &str) -> String {
    format!("mhac-staging-{account}-{region}")
}

/// A staging bucket ready to receive templates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staging {
    /// Its name.
    pub bucket: String,
    /// Its region.
    pub region: String,
    /// Whether this run created it.
    pub created: bool,
    /// Whether it lacks the TLS-only policy (created through a plain-HTTP
    /// endpoint, whose requests that policy would refuse).
    pub without_tls_policy: bool,
}

/// The TLS-only bucket policy.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
        }]
    })
    .to_string()
}

/// Whether a bucket exists (and the credentials may use it).
pub async fn exists(aws: &Aws, bucket: &str) -> Result<bool, Error> {
    match aws.s3().head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(true),
        Err(error) => {
            let status = error.raw_response().map(|r| r.status().as_u16());
            let error = Error::from_sdk("HeadBucket", error);
            if status == Some(404)
                || error.code.as_deref() == Some("NotFound")
                || error.code.as_deref() == Some("NoSuchBucket")
            {
                Ok(false)
            } else {
                Err(error)
            }
        }
    }
}

/// The staging bucket to use: `named` (which must exist), or the account's
/// own, created with its settings if it does not exist yet. `create`
/// false: an absent bucket is `Ok(None)` (a plan creates nothing).
pub async fn prepare(aws: &Aws, account: &str, named: Option<&str>, create: bool) -> Result<Option<Staging>, Error> {
    let region = aws.region();
    if let Some(bucket) = named {
        if !exists(aws, bucket).await? {
            return Err(Error::msg(format!(
                "the staging bucket {bucket} does not exist: `--staging-bucket` names an existing bucket; leave it out and mhac creates its own ({})",
                default_name(account, &region)
            )));
        }
        return Ok(Some(Staging { bucket: bucket.to_string(), region, created: false, without_tls_policy: false }));
    }
    let bucket = default_name(account, &region);
    if exists(aws, &bucket).await? {
        return Ok(Some(Staging { bucket, region, created: false, without_tls_policy: false }));
    }
    if !create {
        return Ok(None);
    }
    let tls_policy = !aws.plain_http();
    create_bucket(aws, &bucket, &region, tls_policy).await?;
    Ok(Some(Staging { bucket, region, created: true, without_tls_policy: !tls_policy }))
}

async fn create_bucket(aws: &Aws, bucket: &str, region: &str, tls_policy: bool) -> Result<(), Error> {
    let s3 = aws.s3();
    let mut request = s3.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
        );
    }
    request.send().await.map_err(|e| Error::from_sdk("CreateBucket", e))?;
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutPublicAccessBlock", e))?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()
                .map_err(|e| Error::msg(format!("PutBucketEncryption: {e}")))?,
        )
        .build();
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(|e| Error::msg(format!("PutBucketEncryption: {e}")))?,
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutBucketEncryption", e))?;
    s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutBucketVersioning", e))?;
    if tls_policy {
        s3.put_bucket_policy()
            .bucket(bucket)
            .policy(tls_only_policy(bucket))
            .send()
            .await
            .map_err(|e| Error::from_sdk("PutBucketPolicy", e))?;
    }
    let lifecycle = LifecycleRule::builder()
        .id("mhac-expire-templates")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .expiration(LifecycleExpiration::builder().days(EXPIRE_DAYS).build())
        .noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(NONCURRENT_DAYS).build())
        .abort_incomplete_multipart_upload(AbortIncompleteMultipartUpload::builder().days_after_initiation(1).build())
        .build()
        .map_err(|e| Error::msg(format!("PutBucketLifecycleConfiguration: {e}")))?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(
            BucketLifecycleConfiguration::builder()
                .rules(lifecycle)
                .build()
                .map_err(|e| Error::msg(format!("PutBucketLifecycleConfiguration: {e}")))?,
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutBucketLifecycleConfiguration", e))?;
    Ok(())
}

/// The URL CloudFormation reads an object from.
pub fn object_url(staging: &Staging, key: &str) -> String {
    format!("https://{}.s3.{}.amazonaws.com/{key}", staging.bucket, staging.region)
}

/// Upload a template as `mhac/STACK/NAME-SHA256.json`; its URL.
pub async fn upload(aws: &Aws, staging: &Staging, stack: &str, name: &str, body: &str) -> Result<String, Error> {
    let key = format!("mhac/{stack}/{name}-{}.json", &sha256_hex(body.as_bytes())[..16]);
    aws.s3()
        .put_object()
        .bucket(&staging.bucket)
        .key(&key)
        .content_type("application/json")
        .body(aws_sdk_s3::primitives::ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .map_err(|e| Error::from_sdk("PutObject", e))?;
    Ok(object_url(staging, &key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_refuses_requests_without_tls() {
        let policy: serde_json::Value = serde_json::from_str(&tls_only_policy("b")).expect("JSON");
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(statement["Resource"], serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(default_name("111122223333", "eu-west-1"), "mhac-staging-111122223333-eu-west-1");
        let staging =
            Staging { bucket: "b".into(), region: "eu-west-1".into(), created: false, without_tls_policy: false };
        assert_eq!(object_url(&staging, "mhac/s/t.json"), "https://b.s3.eu-west-1.amazonaws.com/mhac/s/t.json");
    }
}
