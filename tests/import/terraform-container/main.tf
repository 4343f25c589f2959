provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  name = "base-container"
  # The Regions the build host pushes to, with the build Region first.
  regions = concat([data.aws_region.current.name], var.push_regions)
}

resource "aws_ecr_repository" "base" {
  name = "platform/base"
}

resource "aws_imagebuilder_container_recipe" "this" {
  name           = local.name
  version        = "2.1.0"
  container_type = "DOCKER"
  parent_image   = "amazonlinux:2023"

  target_repository {
    service         = "ECR"
    repository_name = aws_ecr_repository.base.name
  }

  dynamic "component" {
    for_each = var.components
    content {
      component_arn = component.value
    }
  }

  dockerfile_template_data = <<-EOT
    FROM {{{ imagebuilder:parentImage }}}
    {{{ imagebuilder:environments }}}
    {{{ imagebuilder:components }}}
  EOT
}

resource "aws_imagebuilder_infrastructure_configuration" "this" {
  name                  = "container-build"
  instance_types        = ["c6i.large"]
  instance_profile_name = "EC2InstanceProfileForImageBuilderECRContainerBuilds"
}

resource "aws_imagebuilder_distribution_configuration" "this" {
  name = "container-regions"

  dynamic "distribution" {
    for_each = local.regions
    content {
      region = distribution.value
      container_distribution_configuration {
        container_tags = ["latest"]
        target_repository {
          service         = "ECR"
          repository_name = aws_ecr_repository.base.name
        }
      }
    }
  }
}

resource "aws_imagebuilder_image_pipeline" "this" {
  count = var.enabled ? 1 : 0

  name                             = local.name
  description                      = "Weekly base container for every service team"
  container_recipe_arn             = aws_imagebuilder_container_recipe.this.arn
  infrastructure_configuration_arn = aws_imagebuilder_infrastructure_configuration.this.arn
  distribution_configuration_arn   = aws_imagebuilder_distribution_configuration.this.arn

  schedule {
    schedule_expression                = "cron(0 4 ? * tue *)"
    pipeline_execution_start_condition = "EXPRESSION_MATCH_ONLY"
  }
}
