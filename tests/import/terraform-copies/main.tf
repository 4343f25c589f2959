# Distribute the golden AL2023 image by hand: copy it to two Regions,
# encrypted with a multi-Region key, and share each copy.

variable "golden_ami_id" {
  type    = string
  default = "ami-0f1e2d3c4b5a69788"
}

variable "golden_key" {
  type    = string
  default = "mrk-1234abcd12ab34cd56ef1234567890ab"
}

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "euw1"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "apse2"
  region = "ap-southeast-2"
}

resource "aws_ami_copy" "eu" {
  provider          = aws.euw1
  name              = "golden-al2023-eu"
  description       = "golden AL2023, copied by Terraform"
  source_ami_id     = var.golden_ami_id
  source_ami_region = "us-east-1"
  encrypted         = true
  kms_key_id        = "arn:aws:kms:eu-west-1:111111111111:key/${var.golden_key}"

  tags = {
    team = "platform"
  }

  timeouts {
    create = "90m"
  }
}

resource "aws_ami_copy" "apse2" {
  provider          = aws.apse2
  name              = "golden-al2023-apse2"
  source_ami_id     = var.golden_ami_id
  source_ami_region = "us-east-1"
  encrypted         = true
  kms_key_id        = "arn:aws:kms:ap-southeast-2:111111111111:key/${var.golden_key}"

  tags = {
    team = "platform"
  }

  timeouts {
    create = "90m"
  }
}

resource "aws_ami_launch_permission" "eu_prod" {
  provider   = aws.euw1
  image_id   = aws_ami_copy.eu.id
  account_id = "222222222222"
}

resource "aws_ami_launch_permission" "eu_workloads" {
  provider                = aws.euw1
  image_id                = aws_ami_copy.eu.id
  organizational_unit_arn = "arn:aws:organizations::111111111111:ou/o-exmpl1234/ou-wkld-prod"
}

resource "aws_ami_launch_permission" "apse2_dr" {
  provider   = aws.apse2
  image_id   = aws_ami_copy.apse2.id
  account_id = "333333333333"
}

resource "aws_ami_launch_permission" "source_dev" {
  image_id   = var.golden_ami_id
  account_id = "222222222222"
}
