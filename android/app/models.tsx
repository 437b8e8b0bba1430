import { ModelsScreen } from '../src/screens/ModelsScreen';

export default function Models() {
  return <ModelsScreen />;
}
