import * as Notifications from 'expo-notifications';
import { AppRoot } from '../src/AppRoot';

Notifications.setNotificationHandler({
  handleNotification: async () => ({ shouldShowBanner: true, shouldShowList: true, shouldPlaySound: false, shouldSetBadge: false }),
});

export default function RootLayout() {
  return <AppRoot />;
}
