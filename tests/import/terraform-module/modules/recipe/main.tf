resource "aws_imagebuilder_component" "hardening" {
  name     = "${var.name}-hardening"
  platform = "Linux"
  version  = "1.0.0"
  data = yamlencode({
    schemaVersion = 1.0
    phases = [{
      name = "build"
      steps = [{
        name   = "ApplyBaseline"
        action = "ExecuteBash"
        inputs = { commands = ["echo hardening"] }
      }]
    }]
  })
}

resource "aws_imagebuilder_image_recipe" "this" {
  name         = var.name
  version      = var.recipe_version
  parent_image = "arn:${var.partition}:imagebuilder:${var.region}:aws:image/amazon-linux-2023-x86/x.x.x"

  dynamic "component" {
    for_each = var.aws_components
    content {
      component_arn = "arn:${var.partition}:imagebuilder:${var.region}:aws:component/${component.value}/x.x.x"
    }
  }
  component {
    component_arn = aws_imagebuilder_component.hardening.arn
  }

  block_device_mapping {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      delete_on_termination = true
    }
  }
}
