# The golden fleet: AL2023 and Windows Server 2022, built together,
# each copied and shared with the workload accounts.

packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

variable "copy_regions" {
  type    = list(string)
  default = ["us-west-2", "eu-west-1"]
}

variable "kms_key_arn" {
  type    = string
  default = "arn:aws:kms:us-east-1:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
}

locals {
  share_with = ["222233334444", "333344445555"]
  region_keys = {
    "us-west-2" = "arn:aws:kms:us-west-2:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    "eu-west-1" = "arn:aws:kms:eu-west-1:111122223333:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
  }
}

source "amazon-ebs" "al2023" {
  region        = "us-east-1"
  instance_type = "m7i.large"
  ami_name      = "golden-al2023-{{timestamp}}"
  ssh_username  = "ec2-user"

  source_ami_filter {
    filters = {
      name                = "al2023-ami-2023.*-x86_64"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  kms_key_id         = var.kms_key_arn
  region_kms_key_ids = local.region_keys
  ami_regions        = var.copy_regions
  ami_users          = local.share_with

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 20
    volume_type           = "gp3"
    delete_on_termination = true
    encrypted             = true
    kms_key_id            = var.kms_key_arn
  }
}

source "amazon-ebs" "windows2022" {
  region         = "us-east-1"
  instance_type  = "m7i.xlarge"
  ami_name       = "golden-windows2022-{{timestamp}}"
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_use_ssl  = true
  winrm_insecure = true
  user_data_file = "./bootstrap_win.txt"

  source_ami_filter {
    filters = {
      name                = "Windows_Server-2022-English-Full-Base-*"
      virtualization-type = "hvm"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  kms_key_id         = var.kms_key_arn
  region_kms_key_ids = local.region_keys
  ami_regions        = var.copy_regions
  ami_users          = local.share_with

  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = 60
    volume_type           = "gp3"
    delete_on_termination = true
    encrypted             = true
    kms_key_id            = var.kms_key_arn
  }

  aws_polling {
    delay_seconds = 30
    max_attempts  = 120
  }
}

build {
  name    = "golden"
  sources = ["source.amazon-ebs.al2023", "source.amazon-ebs.windows2022"]

  provisioner "file" {
    source      = "./ca-bundle.pem"
    destination = "/tmp/ca-bundle.pem"
  }

  provisioner "shell" {
    only   = ["amazon-ebs.al2023"]
    inline = ["sudo dnf -y update", "sudo cp /tmp/ca-bundle.pem /etc/pki/ca-trust/source/anchors/"]
  }

  provisioner "powershell" {
    only   = ["amazon-ebs.windows2022"]
    script = "./install-updates.ps1"
  }

  provisioner "windows-restart" {
    except = ["amazon-ebs.al2023"]
  }

  provisioner "powershell" {
    only   = ["amazon-ebs.windows2022"]
    inline = ["& 'C:/Program Files/Amazon/EC2Launch/EC2Launch.exe' sysprep --shutdown=false"]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}

build {
  name    = "agents"
  sources = ["source.amazon-ebs.al2023"]

  provisioner "shell" {
    script = "./install-agents.sh"
  }
}
