data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  name          = "${var.name_prefix}-${var.environment}"
  instance_type = coalesce(var.instance_type, "m6i.large")
  account_id    = data.aws_caller_identity.current.account_id
  # Every distribution Region with the Region's own key, by replica naming.
  region_keys = {
    for r in var.distribution_regions : r => replace(var.kms_key_arn, var.region, r)
  }
  tags = merge(
    { Environment = var.environment },
    { ManagedBy = "terraform" },
  )
}
