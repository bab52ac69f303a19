"""moto_server with one gap filled: `Fn::GetAtt [Child, Outputs.NAME]` on a
nested stack (`AWS::CloudFormation::Stack`), which moto 5.2 does not
implement (its Stack model has no `get_cfn_attribute`: the parent's
creation fails with an AttributeError, HTTP 500). Everything else is moto's.
The nested-stack deployment tests start this instead of `moto_server`;
`python3 moto_nested.py -H 127.0.0.1 -p PORT` takes moto_server's arguments.
"""
import sys

from moto.cloudformation.models import Stack
from moto.server import main


def get_cfn_attribute(self, attribute_name):
    """An output of the nested stack, as CloudFormation resolves it."""
    if attribute_name.startswith("Outputs."):
        output = self.output_map[attribute_name[len("Outputs."):]]
        if output is not None:
            return output.value
    raise NotImplementedError(f"{attribute_name} of a nested stack")


Stack.get_cfn_attribute = get_cfn_attribute

if __name__ == "__main__":
    main(sys.argv[1:])
