// signin.js - the sign-in form of the workspace and the portal: a password
// checked by POST /api/v1/session; the server's refusal shown as it says it.
import {signIn} from './api.js';
import {h, fill, $} from './dom.js';

// Fills #app with the form; calls done(user) once signed in.
export function signInForm(title, message, done) {
  const error = h('p', {class: 'error', role: 'alert', id: 'signin-error'}, message || '');
  const form = h('form', {class: 'signin', id: 'signin', 'aria-labelledby': 'signin-title'},
    h('h1', {id: 'signin-title'}, title),
    h('label', {for: 'email'}, 'Email'),
    h('input', {id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true}),
    h('label', {for: 'password'}, 'Password'),
    h('input', {id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true}),
    error,
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = $('button', form);
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
