variable "region" {
  type    = string
  default = "us-east-1"
}

variable "enabled" {
  type    = bool
  default = true
}

variable "push_regions" {
  type    = list(string)
  default = ["eu-west-1", "ap-southeast-2"]
}

variable "service_accounts" {
  type = list(string)
}

variable "components" {
  type = list(string)
  default = [
    "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x",
    "arn:aws:imagebuilder:us-east-1:111122223333:component/install-agents/1.3.0",
    "arn:aws:imagebuilder:us-east-1:aws:component/simple-boot-test-linux/x.x.x",
  ]
}
