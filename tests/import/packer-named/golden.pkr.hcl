# One top-level source, two images: each build-level source block renames
# it and adds its own fields (Packer refuses a field set in both places).
variable "region" {
  type    = string
  default = "us-east-1"
}

source "amazon-ebs" "base" {
  region        = var.region
  instance_type = "m6i.large"
  ssh_username  = "ec2-user"

  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-x86_64"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 16
    volume_type           = "gp3"
    delete_on_termination = true
  }
}

build {
  name = "fleet"

  source "amazon-ebs.base" {
    name        = "web"
    ami_name    = "web-{{timestamp}}"
    ami_regions = ["eu-west-1"]
  }

  source "source.amazon-ebs.base" {
    name        = "batch"
    ami_name    = "batch-{{timestamp}}"
    ami_regions = ["us-west-2", "ap-southeast-2"]
  }

  provisioner "shell" {
    inline = ["sudo dnf -y update"]
  }

  provisioner "shell" {
    only   = ["amazon-ebs.web"]
    inline = ["sudo dnf -y install nginx"]
  }
}
