"""What every package shares and none owns: the error tree."""
