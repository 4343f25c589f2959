output "recipe_arn" {
  value = aws_imagebuilder_image_recipe.this.arn
}

output "recipe_name" {
  value = aws_imagebuilder_image_recipe.this.name
}
