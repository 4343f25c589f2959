variable "name" {
  type = string
}

variable "recipe_version" {
  type = string
}

variable "root_volume_size" {
  type    = number
  default = 30
}

variable "aws_components" {
  description = "Names of AWS-managed components, run before the hardening one"
  type        = list(string)
  default     = []
}

variable "partition" {
  type = string
}

variable "region" {
  type = string
}
