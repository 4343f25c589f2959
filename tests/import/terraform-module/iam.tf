resource "aws_iam_role" "builder" {
  name = "${local.name}-image-builder"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = local.tags
}

resource "aws_iam_instance_profile" "builder" {
  name = aws_iam_role.builder.name
  role = aws_iam_role.builder.name
}

resource "aws_iam_role_policy_attachment" "ssm" {
  for_each = toset([
    "AmazonSSMManagedInstanceCore",
    "EC2InstanceProfileForImageBuilder",
  ])
  role       = aws_iam_role.builder.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.key}"
}
