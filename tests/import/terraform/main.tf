terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "key_id" {
  type    = string
  default = "mrk-1234abcd12ab34cd56ef1234567890ab"
}

resource "aws_imagebuilder_image_pipeline" "golden" {
  name                             = "golden-al2023"
  description                      = "Weekly hardened AL2023 image for every workload account"
  image_recipe_arn                 = aws_imagebuilder_image_recipe.this.arn
  infrastructure_configuration_arn = aws_imagebuilder_infrastructure_configuration.this.arn
  distribution_configuration_arn   = aws_imagebuilder_distribution_configuration.this.arn

  schedule {
    schedule_expression = "cron(0 6 ? * mon *)"
    timezone            = "Europe/Berlin"
  }

  tags = {
    team = "platform"
  }
}

resource "aws_imagebuilder_image_recipe" "this" {
  name         = "golden-al2023"
  version      = "1.4.0"
  parent_image = "arn:aws:imagebuilder:${var.region}:aws:image/amazon-linux-2023-x86/x.x.x"

  component {
    component_arn = "arn:aws:imagebuilder:${var.region}:aws:component/update-linux/x.x.x"
  }
  component {
    component_arn = "arn:aws:imagebuilder:${var.region}:111122223333:component/cis-hardening/2.1.0"
  }
  component {
    component_arn = "arn:aws:imagebuilder:${var.region}:111122223333:component/platform-agents/1.x.x"
  }
  component {
    component_arn = "arn:aws:imagebuilder:${var.region}:aws:component/reboot-test-linux/x.x.x"
  }

  block_device_mapping {
    device_name = "/dev/xvda"
    ebs {
      encrypted   = true
      volume_size = 30
      volume_type = "gp3"
    }
  }
  block_device_mapping {
    device_name = "/dev/xvdb"
    ebs {
      encrypted   = true
      volume_size = 100
      volume_type = "gp3"
    }
  }
}

resource "aws_imagebuilder_infrastructure_configuration" "this" {
  name                          = "golden-build"
  instance_types                = ["m5.large", "m5a.large"]
  instance_profile_name         = "EC2InstanceProfileForImageBuilder"
  terminate_instance_on_failure = true
}

resource "aws_imagebuilder_distribution_configuration" "this" {
  name = "golden-org"

  distribution {
    region = "us-east-1"
    ami_distribution_configuration {
      kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/${var.key_id}"
      launch_permission {
        organizational_unit_arns = ["arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-11111111"]
      }
    }
  }
  distribution {
    region = "eu-west-1"
    ami_distribution_configuration {
      kms_key_id = "arn:aws:kms:eu-west-1:111122223333:key/${var.key_id}"
      launch_permission {
        organizational_unit_arns = ["arn:aws:organizations::999988887777:ou/o-a1b2c3d4e5/ou-ab12-11111111"]
      }
    }
  }
  distribution {
    region = "ap-southeast-2"
    ami_distribution_configuration {
      kms_key_id         = "arn:aws:kms:ap-southeast-2:111122223333:key/${var.key_id}"
      target_account_ids = ["444455556666", "777788889999"]
    }
  }
}

resource "aws_imagebuilder_lifecycle_policy" "retention" {
  name           = "golden-retention"
  execution_role = "arn:aws:iam::111122223333:role/ImageBuilderLifecycle"
  resource_type  = "AMI_IMAGE"

  policy_detail {
    action {
      type = "DEPRECATE"
    }
    filter {
      type  = "AGE"
      value = 4
      unit  = "WEEKS"
    }
  }
  policy_detail {
    action {
      type = "DELETE"
    }
    filter {
      type            = "AGE"
      value           = 3
      unit            = "MONTHS"
      retain_at_least = 2
    }
  }
  resource_selection {
    recipe {
      name              = "golden-al2023"
      semantic_version  = "1.x.x"
    }
  }
}
