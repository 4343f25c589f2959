variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "copy_regions" {
  type    = list(string)
  default = []
}

variable "share_with" {
  type        = list(string)
  description = "Accounts that launch the images"
}

variable "kms_key_arn" {
  type = string
}

variable "linux_instance_type" {
  type    = string
  default = null
}

variable "windows_volume_gib" {
  type    = number
  default = 0
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}

locals {
  timestamp   = regex_replace(timestamp(), "[- TZ:]", "")
  common_tags = merge({ Team = "platform" }, var.extra_tags)
  linux_type  = coalesce(var.linux_instance_type, "t3.large")
  region_keys = { for r in var.copy_regions : r => replace(var.kms_key_arn, var.region, r) }
}
