environment          = "prod"
distribution_regions = ["eu-central-1", "eu-west-1", "us-east-1"]
consumer_account_ids = ["210987654321", "321098765432"]
kms_key_arn          = "arn:aws:kms:eu-central-1:123456789012:key/mrk-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
