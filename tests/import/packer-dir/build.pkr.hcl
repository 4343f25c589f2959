packer {
  required_plugins {
    amazon = {
      version = ">= 1.3.0"
      source  = "github.com/hashicorp/amazon"
    }
  }
}

build {
  name = "golden"
  sources = [
    "source.amazon-ebs.al2023",
    "source.amazon-ebs.windows2022",
  ]

  provisioner "shell" {
    only   = ["amazon-ebs.al2023"]
    script = "scripts/harden-linux.sh"
  }

  provisioner "powershell" {
    only   = ["amazon-ebs.windows2022"]
    script = "scripts/harden-windows.ps1"
  }

  provisioner "windows-restart" {
    only = ["amazon-ebs.windows2022"]
  }

  provisioner "shell" {
    except = ["amazon-ebs.windows2022"]
    inline = ["sudo dnf -y update"]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
