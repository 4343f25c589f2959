packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "copy_regions" {
  type    = list(string)
  default = ["us-west-2", "eu-west-1", "ap-northeast-1"]
}

variable "kms_key_arn" {
  type    = string
  default = "arn:aws:kms:us-east-1:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
}

locals {
  share_with = ["222233334444", "333344445555", "444455556666"]
  ami_name   = "golden-al2023-${formatdate("YYYYMMDDhhmm", timestamp())}"
}

source "amazon-ebs" "al2023" {
  region        = var.region
  instance_type = "m7i.large"
  max_retries   = 20
  ami_name      = local.ami_name
  ssh_username  = "ec2-user"

  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-x86_64"
      root-device-type    = "ebs"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  encrypt_boot = true
  kms_key_id   = var.kms_key_arn
  region_kms_key_ids = {
    "us-west-2"      = "arn:aws:kms:us-west-2:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    "eu-west-1"      = "arn:aws:kms:eu-west-1:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    "ap-northeast-1" = "arn:aws:kms:ap-northeast-1:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
  }
  ami_regions = var.copy_regions
  ami_users   = local.share_with

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 20
    volume_type           = "gp3"
    delete_on_termination = true
  }

  aws_polling {
    delay_seconds = 15
    max_attempts  = 120
  }

  snapshot_copy_duration_minutes = 15

  tags = {
    Name = "golden-al2023"
  }
}

build {
  name    = "golden"
  sources = ["source.amazon-ebs.al2023"]

  provisioner "shell" {
    inline = ["sudo dnf -y update"]
  }

  provisioner "ansible" {
    playbook_file = "./harden.yml"
  }

  provisioner "shell" {
    script = "./install-agents.sh"
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
