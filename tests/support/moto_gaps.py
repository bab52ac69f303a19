"""moto_server with gaps in its CloudFormation filled, for the deployment
tests that need them. moto 5.2 implements the ACM, Route 53 and SES APIs, but
its CloudFormation does not create these resource types (it warns "not
supported" and skips them, and then fails on a listener that refers to the
certificate) nor resolve an output of a nested stack. This launcher adds
CloudFormation models that create them through moto's own backends, as
CloudFormation does on AWS; every API the tests then read back with is
moto's:

* `Fn::GetAtt [Child, Outputs.NAME]` on a nested stack
  (`AWS::CloudFormation::Stack`; moto's Stack has no `get_cfn_attribute`).
* The outputs of a stack made by a change set (moto keeps those of the
  template the stack had before the change set, none for a new stack).
* `AWS::CertificateManager::Certificate`: requested in moto's ACM. For each
  `DomainValidationOptions` entry with a `HostedZoneId`, the validation
  CNAME that ACM asks for is written into that Route 53 zone, as
  CloudFormation does. (`MOTO_ACM_VALIDATION_WAIT` decides when moto calls
  it issued.)
* `AWS::SES::EmailIdentity`: created in moto's SES (v2), with its three Easy
  DKIM tokens as `DkimDNSTokenName1..3` / `DkimDNSTokenValue1..3` (derived
  from the domain, so a second deployment sees the same records).
* `AWS::SES::ConfigurationSet` and `AWS::SES::ConfigurationSetEventDestination`:
  created in moto's SES.

`python3 moto_gaps.py -H 127.0.0.1 -p PORT` takes moto_server's arguments.
"""
import hashlib
import sys

from moto.acm.models import acm_backends
from moto.cloudformation.models import ChangeSet, Stack
from moto.core.common_models import CloudFormationModel
from moto.route53.models import route53_backends
from moto.server import main
from moto.ses.models import ses_backends
from moto.sesv2.models import sesv2_backends
from moto.utilities.utils import get_partition


def get_cfn_attribute(self, attribute_name):
    """An output of the nested stack, as CloudFormation resolves it."""
    if attribute_name.startswith("Outputs."):
        output = self.output_map[attribute_name[len("Outputs."):]]
        if output is not None:
            return output.value
    raise NotImplementedError(f"{attribute_name} of a nested stack")


Stack.get_cfn_attribute = get_cfn_attribute

moto_apply = ChangeSet.apply


def apply(self):
    """Apply the change set, then evaluate the new template's outputs."""
    moto_apply(self)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


ChangeSet.apply = apply


def tags_of(properties):
    return [{"Key": t["Key"], "Value": t["Value"]} for t in properties.get("Tags", [])]


def deleted(delete, name):
    """Delete through moto's backend; what is already gone stays gone."""
    try:
        delete(name)
    except Exception:
        pass


class Physical:
    """What the models share: a physical id given at creation, no name
    property, no attributes unless a model says otherwise. A mixin, not a
    base class: moto lists the direct subclasses of CloudFormationModel."""

    def __init__(self, physical_id):
        self.physical_id = physical_id

    @property
    def physical_resource_id(self):
        return self.physical_id

    @staticmethod
    def cloudformation_name_type():
        return ""

    @classmethod
    def has_cfn_attr(cls, attr):
        return False


class Certificate(Physical, CloudFormationModel):
    # moto files its models by the second part of their module's name.
    __module__ = "moto.mhac_gaps"

    @staticmethod
    def cloudformation_type():
        return "AWS::CertificateManager::Certificate"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        acm = acm_backends[account_id][region_name]
        arn = acm.request_certificate(
            domain_name=properties["DomainName"],
            idempotency_token=None,
            subject_alt_names=properties.get("SubjectAlternativeNames") or [],
            tags=tags_of(properties),
        )
        described = acm.describe_certificate(arn).describe()["Certificate"]
        records = {o["DomainName"]: o["ResourceRecord"] for o in described.get("DomainValidationOptions", [])}
        route53 = route53_backends[account_id][get_partition(region_name)]
        for option in properties.get("DomainValidationOptions", []):
            record = records.get(option["DomainName"])
            if record is None or "HostedZoneId" not in option:
                continue
            zone = route53.get_hosted_zone(option["HostedZoneId"])
            zone.add_rrset(
                {
                    "Name": record["Name"],
                    "Type": record["Type"],
                    "TTL": "300",
                    "ResourceRecords": [record["Value"]],
                }
            )
        return cls(arn)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        deleted(acm_backends[account_id][region_name].delete_certificate, resource_name)


class EmailIdentity(Physical, CloudFormationModel):
    __module__ = "moto.mhac_gaps"

    @staticmethod
    def cloudformation_type():
        return "AWS::SES::EmailIdentity"

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr.startswith("DkimDNSToken") and attr[-1] in "123"

    def token(self, index):
        return hashlib.sha256(f"{self.physical_id}/{index}".encode()).hexdigest()[:32]

    def get_cfn_attribute(self, attribute_name):
        index = attribute_name[-1]
        if attribute_name.startswith("DkimDNSTokenName"):
            return f"{self.token(index)}._domainkey.{self.physical_id}"
        if attribute_name.startswith("DkimDNSTokenValue"):
            return f"{self.token(index)}.dkim.amazonses.com"
        raise NotImplementedError(attribute_name)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        domain = properties["EmailIdentity"]
        configuration = (properties.get("ConfigurationSetAttributes") or {}).get("ConfigurationSetName")
        sesv2_backends[account_id][region_name].create_email_identity(
            email_identity=domain,
            tags=tags_of(properties) or None,
            dkim_signing_attributes=properties.get("DkimSigningAttributes") or None,
            configuration_set_name=configuration,
        )
        return cls(domain)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        deleted(sesv2_backends[account_id][region_name].delete_email_identity, resource_name)


class ConfigurationSet(Physical, CloudFormationModel):
    __module__ = "moto.mhac_gaps"

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SES::ConfigurationSet"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties") or {}
        name = properties.get("Name") or resource_name
        ses_backends[account_id][region_name].create_configuration_set(name)
        return cls(name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        deleted(ses_backends[account_id][region_name].delete_configuration_set, resource_name)


class ConfigurationSetEventDestination(Physical, CloudFormationModel):
    __module__ = "moto.mhac_gaps"

    @staticmethod
    def cloudformation_type():
        return "AWS::SES::ConfigurationSetEventDestination"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        destination = dict(properties["EventDestination"])
        ses_backends[account_id][region_name].create_configuration_set_event_destination(
            properties["ConfigurationSetName"], destination
        )
        return cls(destination.get("Name", resource_name))


if __name__ == "__main__":
    main(sys.argv[1:])
