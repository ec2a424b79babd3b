import { useVersion } from "../api/hooks";

/** The server's version and settings. (Foundation.) */
export function SettingsPage() {
  const v = useVersion();
  return (
    <section>
      <h1>Settings</h1>
      <p>Version {v.data?.Version}</p>
    </section>
  );
}
