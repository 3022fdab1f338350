import { createApp } from 'vue';
import 'element-plus/es/components/message/style/css';
import App from './App.vue';
import { setRequestLanguage } from './api/http';
import { i18n } from './locales';
import { router } from './router';
import './styles.css';

setRequestLanguage(i18n.global.locale.value);
createApp(App).use(i18n).use(router).mount('#app');
