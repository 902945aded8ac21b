"""What the campaign brought: figures, charts and the printable results report."""
