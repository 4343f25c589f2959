source "amazon-ebs" "windows2022" {
  region         = var.region
  instance_type  = "m6i.xlarge"
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_use_ssl  = true
  ami_name       = "golden-windows2022-${local.timestamp}"
  ami_regions    = var.copy_regions
  ami_users      = var.share_with
  encrypt_boot   = true
  kms_key_id     = var.kms_key_arn
  region_kms_key_ids = local.region_keys

  source_ami_filter {
    filters = {
      name = "Windows_Server-2022-English-Full-Base-*"
    }
    owners      = ["amazon"]
    most_recent = true
  }

  launch_block_device_mappings {
    device_name = "/dev/sda1"
    volume_size = var.windows_volume_gib > 0 ? var.windows_volume_gib : 50
    volume_type = "gp3"
  }

  aws_polling {
    delay_seconds = 30
    max_attempts  = 90
  }
}
