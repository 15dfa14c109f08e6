"""The client's side: post-session links, the form's answers, in-room codes, the thank-you page."""
