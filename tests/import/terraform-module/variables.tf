variable "region" {
  description = "Region the pipeline builds in"
  type        = string
  default     = "eu-central-1"
}

variable "environment" {
  description = "Short environment name, part of every resource name"
  type        = string
}

variable "name_prefix" {
  type    = string
  default = "platform"
}

variable "instance_type" {
  description = "Builder instance type; null for the module's default"
  type        = string
  default     = null
}

variable "distribution_regions" {
  description = "Regions the image is copied to"
  type        = list(string)
  default     = []
}

variable "consumer_account_ids" {
  description = "Accounts allowed to launch the image"
  type        = list(string)
  default     = []
}

variable "enable_pipeline" {
  type    = bool
  default = true
}

variable "enable_lifecycle" {
  type    = bool
  default = false
}

variable "schedule_expression" {
  type    = string
  default = "cron(30 2 ? * tue *)"
}

variable "kms_key_arn" {
  description = "Customer managed key for the image's snapshots"
  type        = string
}
