import { createRouter, createWebHistory } from 'vue-router';
import { onSessionLost } from '@/api/http';
import { forgetSession, loadSession } from '@/stores/session';
import { verdict } from './access';
import { routes } from './routes';

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  const user = await loadSession();
  switch (verdict(to.meta.access ?? {}, user, to.params)) {
    case 'allowed':
      return true;
    case 'sign-in':
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    case 'forbidden':
      return { name: 'forbidden', query: { from: to.fullPath } };
  }
});

// A session that ends (logged out elsewhere, revoked, expired) sends the user back to sign in.
onSessionLost(() => {
  forgetSession();
  const current = router.currentRoute.value;
  if (!current.meta.access?.public && current.name !== 'login') {
    void router.replace({ name: 'login', query: { redirect: current.fullPath } });
  }
});
