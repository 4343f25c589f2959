data "amazon-ami" "al2023" {
  region      = var.region
  owners      = ["amazon"]
  most_recent = true
  filters = {
    name                = "al2023-ami-2023.*-x86_64"
    virtualization-type = "hvm"
  }
}

source "amazon-ebs" "al2023" {
  region             = var.region
  source_ami         = data.amazon-ami.al2023.id
  instance_type      = local.linux_type
  ssh_username       = "ec2-user"
  ami_name           = "golden-al2023-${local.timestamp}"
  ami_regions        = var.copy_regions
  ami_users          = var.share_with
  encrypt_boot       = true
  kms_key_id         = var.kms_key_arn
  region_kms_key_ids = local.region_keys
  tags               = local.common_tags

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = 16
    volume_type           = "gp3"
    delete_on_termination = true
  }
}
