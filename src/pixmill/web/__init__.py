"""The playground's static files (HTML, CSS, JavaScript modules), served by api/playground.py."""
