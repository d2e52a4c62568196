"""Reading ``template.yaml`` as the local stack sees it: the YAML (cfn-lint's decoder), the SAM transform, intrinsics.

- :mod:`.loader`: parameters, conditions, rules and resources in dependency order;
- :mod:`.sam`: the part of the SAM transform the local stack needs, offline;
- :mod:`.intrinsics`: ``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, … resolved while provisioning.
"""
