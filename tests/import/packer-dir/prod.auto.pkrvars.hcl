copy_regions = ["us-east-1", "ap-southeast-2"]
share_with   = ["210987654321", "321098765432"]
kms_key_arn  = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1f2e3d4c5b6a79881726354433221100"
