// Kiosk mode: Back stays on the "hand the tablet back" screen (the server shows nothing else
// anyway: the form's token is gone once it is sent).
history.replaceState(null, '', location.pathname);
history.pushState(null, '', location.pathname);
window.addEventListener('popstate', function () { history.pushState(null, '', location.pathname); });
