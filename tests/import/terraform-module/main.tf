module "recipe" {
  source = "./modules/recipe"

  name             = local.name
  recipe_version   = "2.3.0"
  root_volume_size = 40
  aws_components = [
    "update-linux",
    "aws-cli-version-2-linux",
  ]
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name
}

resource "aws_imagebuilder_infrastructure_configuration" "this" {
  name                          = "${local.name}-infra"
  instance_types                = [local.instance_type]
  instance_profile_name         = aws_iam_instance_profile.builder.name
  terminate_instance_on_failure = true
  tags                          = local.tags
}

resource "aws_imagebuilder_distribution_configuration" "this" {
  name = "${local.name}-distribution"

  dynamic "distribution" {
    for_each = local.region_keys
    content {
      region = distribution.key
      ami_distribution_configuration {
        name       = "${local.name}-{{ imagebuilder:buildDate }}"
        kms_key_id = distribution.value
        launch_permission {
          user_ids = var.consumer_account_ids
        }
      }
    }
  }
  tags = local.tags
}

resource "aws_imagebuilder_image_pipeline" "this" {
  count = var.enable_pipeline ? 1 : 0

  name                             = local.name
  image_recipe_arn                 = module.recipe.recipe_arn
  infrastructure_configuration_arn = aws_imagebuilder_infrastructure_configuration.this.arn
  distribution_configuration_arn   = aws_imagebuilder_distribution_configuration.this.arn
  status                           = "ENABLED"

  schedule {
    schedule_expression                = var.schedule_expression
    pipeline_execution_start_condition = "EXPRESSION_MATCH_ONLY"
  }
  tags = local.tags
}

resource "aws_imagebuilder_lifecycle_policy" "this" {
  count = var.enable_lifecycle ? 1 : 0

  name           = "${local.name}-retention"
  execution_role = aws_iam_role.builder.arn
  resource_type  = "AMI_IMAGE"

  policy_detail {
    action {
      type = "DELETE"
    }
    filter {
      type            = "COUNT"
      value           = 6
      retain_at_least = 2
    }
  }
  resource_selection {
    recipe {
      name             = module.recipe.recipe_name
      semantic_version = "2.x.x"
    }
  }
}
