"""Who may do what on the platform, proven by an IAM policy simulator over the synthesized templates."""
