// Decap waits for admin.js to register our format, previews and buttons, then starts.
window.CMS_MANUAL_INIT = true;
