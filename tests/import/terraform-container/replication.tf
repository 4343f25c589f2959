# Each service account gets the image in the build Region by ECR replication.
resource "aws_ecr_replication_configuration" "this" {
  replication_configuration {
    rule {
      dynamic "destination" {
        for_each = var.service_accounts
        content {
          region      = data.aws_region.current.name
          registry_id = destination.value
        }
      }
      repository_filter {
        filter      = "platform/"
        filter_type = "PREFIX_MATCH"
      }
    }
  }
}
