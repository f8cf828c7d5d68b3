// signin.js - the sign-in form of the workspace and the portal: a password
// checked by POST /api/v1/session; the server's refusal shown as it says it.
// Where the desk mails sign-in links (the portal), the form also offers one.
import {signIn, askLink} from './api.js';
import {h, fill, $} from './dom.js';

// The "mail me a link" part: the same email field, its own button and status.
function linkPart(form, error) {
  const status = h('p', {class: 'muted', role: 'status', id: 'link-status'});
  const button = h('button', {type: 'button', id: 'ask-link'}, 'Email me a sign-in link');
  button.addEventListener('click', async () => {
    error.textContent = '';
    if (!form.email.reportValidity()) return;
    button.disabled = true;
    try {
      const res = await askLink(form.email.value.trim());
      status.textContent = `${res.detail} It works once, within ${res.expires_in_minutes} minutes.`;
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  return h('div', {class: 'link-signin'}, h('p', {class: 'muted'}, 'No password? We can mail you a link that signs you in.'), button, status);
}

// Fills #app with the form; calls done(user) once signed in. With
// options.links, a customer may ask for a sign-in link instead.
export function signInForm(title, message, done, options = {}) {
  const error = h('p', {class: 'error', role: 'alert', id: 'signin-error'}, message || '');
  const form = h('form', {class: 'signin', id: 'signin', 'aria-labelledby': 'signin-title'},
    h('h1', {id: 'signin-title'}, title),
    h('label', {for: 'email'}, 'Email'),
    h('input', {id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true}),
    h('label', {for: 'password'}, 'Password'),
    h('input', {id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true}),
    error,
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  if (options.links) form.append(linkPart(form, error));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('button[type=submit]', form);
    button.disabled = true;
    try {
      const user = await signIn(form.email.value.trim(), form.password.value);
      form.password.value = '';
      await done(user);
    } catch (e) {
      error.textContent = e.message;
      button.disabled = false;
      form.password.focus();
    }
  });
  fill($('#app'), form);
  $('#email').focus();
}
