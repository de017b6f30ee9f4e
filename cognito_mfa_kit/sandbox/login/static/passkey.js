// Managed login's passkey ceremonies, served by the sandbox (no CDN). The page holds the options the API gave
// (CredentialCreationOptions of StartWebAuthnRegistration, or the WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS)
// as JSON in <script type="application/json" id="passkey-options">. A click runs navigator.credentials.create() or
// .get(); the form then posts the credential as JSON (RegistrationResponseJSON / AuthenticationResponseJSON, WebAuthn
// Level 3 §5.1) in its "credential" field, and the sandbox checks it with the API's rules.
(function () {
  "use strict";

  function toBuffer(text) { // base64url → ArrayBuffer
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    b64 += "===".slice((b64.length + 3) % 4);
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) { // ArrayBuffer → base64url
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, {id: toBuffer(d.id)}); });
  }

  function creationOptions(o) {
    return Object.assign({}, o, {challenge: toBuffer(o.challenge), user: Object.assign({}, o.user, {id: toBuffer(o.user.id)}),
                                 excludeCredentials: descriptors(o.excludeCredentials)});
  }

  function requestOptions(o) {
    return Object.assign({}, o, {challenge: toBuffer(o.challenge), allowCredentials: descriptors(o.allowCredentials)});
  }

  function common(c) {
    var json = {id: c.id, rawId: toText(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults()};
    if (c.authenticatorAttachment) json.authenticatorAttachment = c.authenticatorAttachment;
    return json;
  }

  function registration(c) {
    var json = common(c), r = c.response;
    json.response = {clientDataJSON: toText(r.clientDataJSON), attestationObject: toText(r.attestationObject),
                     transports: r.getTransports ? r.getTransports() : []};
    return json;
  }

  function assertion(c) {
    var json = common(c), r = c.response;
    json.response = {clientDataJSON: toText(r.clientDataJSON), authenticatorData: toText(r.authenticatorData),
                     signature: toText(r.signature)};
    if (r.userHandle) json.response.userHandle = toText(r.userHandle);
    return json;
  }

  function start() {
    var form = document.getElementById("passkey-form");
    if (!form) return;
    var creating = form.getAttribute("data-ceremony") === "create";
    var options = JSON.parse(document.getElementById("passkey-options").textContent);
    var button = document.getElementById("passkey-button");
    var status = document.getElementById("passkey-status");
    button.addEventListener("click", function () {
      if (!window.PublicKeyCredential || !navigator.credentials) {
        status.textContent = "This browser can't use passkeys here (WebAuthn needs https, or http on localhost).";
        return;
      }
      button.disabled = true;
      status.textContent = "Waiting for your passkey…";
      var ceremony = creating ? navigator.credentials.create({publicKey: creationOptions(options)})
                              : navigator.credentials.get({publicKey: requestOptions(options)});
      ceremony.then(function (credential) {
        form.elements.credential.value = JSON.stringify(creating ? registration(credential) : assertion(credential));
        status.textContent = "Checking your passkey…";
        form.submit();
      }, function (error) {
        button.disabled = false;
        status.textContent = error && error.name === "NotAllowedError"
          ? "The passkey prompt was cancelled or timed out. Try again."
          : "The browser refused: " + (error && error.name) + ": " + (error && error.message);
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
