import { useParams } from "react-router";
import { useProjects } from "../api/hooks";

/** The projects. (Foundation.) */
export function ProjectsPage() {
  const projects = useProjects();
  return (
    <section>
      <h1>Projects</h1>
      <ul>{projects.data?.items.map((p) => <li key={p.metadata.name}>{p.metadata.name}</li>)}</ul>
    </section>
  );
}

export function ProjectPage() {
  const { name = "" } = useParams();
  return <h1>{name}</h1>;
}
